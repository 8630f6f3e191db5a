//! A TCP proxy the test can cut: how a test stops Redis or restarts
//! PostgreSQL for two instances without stopping them for every other test
//! that shares the machine's servers. Cut, it closes every connection and
//! drops new ones at once (what clients see of a server going down);
//! restored, it carries connections again.

use std::sync::Arc;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A proxy on a loopback port to `upstream`.
pub struct Proxy {
    /// `127.0.0.1:<port>` of the proxy.
    pub addr: String,
    cut: Arc<watch::Sender<bool>>,
}

impl Proxy {
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("address").to_string();
        let cut = Arc::new(watch::channel(false).0);
        let state = cut.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if *state.borrow() {
                    drop(inbound);
                    continue;
                }
                tokio::spawn(carry(inbound, upstream.clone(), state.subscribe()));
            }
        });
        Self { addr, cut }
    }

    /// Stops (`true`) or restores (`false`) the upstream as clients see it.
    pub fn cut(&self, down: bool) {
        self.cut.send_replace(down);
    }
}

/// Carries one connection until either side closes or the proxy is cut.
async fn carry(mut inbound: TcpStream, upstream: String, mut cut: watch::Receiver<bool>) {
    let Ok(mut outbound) = TcpStream::connect(&upstream).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut inbound, &mut outbound) => {}
        _ = cut.wait_for(|down| *down) => {}
    }
}
