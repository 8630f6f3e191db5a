//! An app's own `members` table (its columns, integer ids) behind the four methods of
//! `UserStore`; `SqlStore` keeps every other seam, keyed by member number. Both are
//! proven with the conformance kit, then a member signs in (`cargo test` runs it too).

use async_trait::async_trait;
use portcullis::store::{NewUser, StoreError, User, UserChanges, UserStore, conformance as kit};
use portcullis::{Auth, AuthConfig, Client, Credentials, NewAccount};
use portcullis_sqlx::SqlStore;
use sqlx::{Row, SqlitePool, query::Query, sqlite::SqliteArguments};

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS members (member_no INTEGER PRIMARY KEY, \
    mail TEXT NOT NULL UNIQUE COLLATE NOCASE, full_name TEXT, password_phc TEXT, \
    kind TEXT NOT NULL, blocked BOOLEAN NOT NULL, mail_ok BOOLEAN NOT NULL, joined TEXT NOT NULL)";
const INSERT: &str = "INSERT INTO members VALUES (NULL, ?, ?, ?, ?, ?, ?, ?) RETURNING *";
const UPDATE: &str = "UPDATE members SET full_name = IIF(?1, ?2, full_name), password_phc = \
    COALESCE(?3, password_phc), blocked = COALESCE(?4, blocked), mail = COALESCE(?5, mail), \
    mail_ok = COALESCE(?6, mail_ok), kind = COALESCE(?7, kind) WHERE member_no = ?8 RETURNING *";

struct Members(SqlitePool);
type Statement<'q> = Query<'q, sqlx::Sqlite, SqliteArguments<'q>>;

impl Members {
    async fn one(&self, q: Statement<'_>) -> Result<Option<User>, StoreError> {
        let fail = |e: sqlx::Error| match e {
            sqlx::Error::Database(e) if e.is_unique_violation() => StoreError::Conflict,
            e => StoreError::Unavailable(e.into()),
        };
        let Some(row) = q.fetch_optional(&self.0).await.map_err(fail)? else {
            return Ok(None);
        };
        let member_no: i64 = row.try_get("member_no").map_err(fail)?;
        Ok(Some(User {
            id: member_no.to_string(),
            email: row.try_get("mail").map_err(fail)?,
            name: row.try_get("full_name").map_err(fail)?,
            role: row.try_get("kind").map_err(fail)?,
            is_active: !row.try_get::<bool, _>("blocked").map_err(fail)?,
            email_verified: row.try_get("mail_ok").map_err(fail)?,
            password_hash: row.try_get("password_phc").map_err(fail)?,
            created_at: row.try_get("joined").map_err(fail)?,
        }))
    }
}

#[async_trait]
impl UserStore for Members {
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        let q = sqlx::query(INSERT).bind(new.email.trim().to_owned());
        let q = q.bind(new.name).bind(new.password_hash).bind(new.role);
        let q = q.bind(!new.is_active).bind(new.email_verified);
        let created = self.one(q.bind(new.created_at)).await?;
        created.ok_or(StoreError::NotFound)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let no: i64 = id.parse().map_err(|_| StoreError::InvalidId)?;
        let q = sqlx::query("SELECT * FROM members WHERE member_no = ?");
        self.one(q.bind(no)).await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let q = sqlx::query("SELECT * FROM members WHERE mail = ?");
        self.one(q.bind(email.trim().to_owned())).await
    }

    async fn update_user(&self, id: &str, c: UserChanges) -> Result<User, StoreError> {
        let no: i64 = id.parse().map_err(|_| StoreError::InvalidId)?;
        let q = sqlx::query(UPDATE).bind(c.name.is_some());
        let q = q.bind(c.name.flatten()).bind(c.password_hash);
        let q = q.bind(c.is_active.map(|active| !active));
        let q = q.bind(c.email.map(|e| e.trim().to_owned()));
        let updated = self.one(q.bind(c.email_verified).bind(c.role).bind(no));
        updated.await?.ok_or(StoreError::NotFound)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = std::env::temp_dir().join(format!("members-{}.db", portcullis::store::new_id()));
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let members = Members(SqlitePool::connect(&url).await?);
    sqlx::query(SCHEMA).execute(&members.0).await?;
    let sql = SqlStore::connect(&url).await?;
    let (m, s) = (&members, &sql);
    kit::user_store(m).await.assert_passed();
    kit::session_store(s, m).await.assert_passed();
    kit::one_time_token_store(s, m).await.assert_passed();
    kit::api_token_store(s, m).await.assert_passed();
    kit::second_factor_store(s, m).await.assert_passed();
    kit::identity_store(s, m).await.assert_passed();
    kit::passkey_store(s, m).await.assert_passed();
    let config = AuthConfig::new(b"an example secret of at least 32 bytes".to_vec());
    let auth = Auth::builder(config).users(members).store(sql).build()?;
    let ada = NewAccount::new("ada@example.com", "correct horse battery", "user");
    auth.create_user(ada).await?;
    let ada = Credentials::new("ada@example.com", "correct horse battery");
    let session = auth.login(ada, Client::default()).await?.session();
    println!("member {:?} signed in", session.map(|s| s.user.id));
    Ok(())
}
