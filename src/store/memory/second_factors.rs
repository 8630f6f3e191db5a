//! [`SecondFactorStore`] for [`MemoryStore`].

use async_trait::async_trait;

use super::MemoryStore;
use crate::store::{SecondFactorStore, StoreError, TotpState};

#[async_trait]
impl SecondFactorStore for MemoryStore {
    async fn totp(&self, user_id: &str) -> Result<TotpState, StoreError> {
        Ok(self.state().totp.get(user_id).cloned().unwrap_or_default())
    }

    async fn set_pending_totp(
        &self,
        user_id: &str,
        sealed: Option<&str>,
    ) -> Result<(), StoreError> {
        self.state()
            .totp
            .entry(user_id.to_owned())
            .or_default()
            .pending = sealed.map(str::to_owned);
        Ok(())
    }

    async fn confirm_totp(&self, user_id: &str, pending: &str) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(totp) = state.totp.get_mut(user_id) else {
            return Ok(false);
        };
        if totp.pending.as_deref() != Some(pending) {
            return Ok(false);
        }
        totp.secret = totp.pending.take();
        state.totp_steps.remove(user_id);
        Ok(true)
    }

    async fn record_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        let mut state = self.state();
        let last = state.totp_steps.get(user_id).copied();
        if last.is_some_and(|last| last >= step) {
            return Ok(false);
        }
        state.totp_steps.insert(user_id.to_owned(), step);
        Ok(true)
    }

    async fn reseal_totp(
        &self,
        user_id: &str,
        current: &str,
        resealed: &str,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        match state.totp.get_mut(user_id) {
            Some(totp) if totp.secret.as_deref() == Some(current) => {
                totp.secret = Some(resealed.to_owned());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn remove_second_factors(&self, user_id: &str) -> Result<(), StoreError> {
        let mut state = self.state();
        state.totp.remove(user_id);
        state.totp_steps.remove(user_id);
        state.recovery_codes.remove(user_id);
        Ok(())
    }

    async fn replace_recovery_codes(
        &self,
        user_id: &str,
        code_hashes: &[String],
    ) -> Result<(), StoreError> {
        self.state()
            .recovery_codes
            .insert(user_id.to_owned(), code_hashes.iter().cloned().collect());
        Ok(())
    }

    async fn spend_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        Ok(self
            .state()
            .recovery_codes
            .get_mut(user_id)
            .is_some_and(|codes| codes.remove(code_hash)))
    }
}
