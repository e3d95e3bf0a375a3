//! The exit state of every held position, saved for the next run: the desk computes it, the store writes it
//! off the event loop.

use kis_strategy::risk::ExitStateFile;

use super::RiskManager;

impl RiskManager {
    /// Hands the current exit states to the writer when they changed. Never before the first sync: an empty
    /// book then would overwrite the states the sync is about to restore.
    pub(super) fn save_exit_states(&mut self) {
        if !self.desk.ready() {
            return;
        }
        let Some(store) = &self.exit_store else { return };
        let states = self.desk.exit_states();
        if self.saved_states.as_ref() == Some(&states) {
            return;
        }
        store.save(ExitStateFile::new(self.clock.now(), states.clone()));
        self.saved_states = Some(states);
    }
}
