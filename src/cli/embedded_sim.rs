//! The embedded simulator of `kis-trader run` on a thread of its own, with its own actix System.
//!
//! Building the exchange (thousands of listings and their history), the servers' accept loops and the
//! market driver then run beside the daemon, never on its arbiters: nothing the simulator does can block a
//! daemon event loop. The daemon sees only loopback URLs and a [`ClockView`], which reads the virtual time
//! without the exchange's lock.

use std::thread::JoinHandle;

use anyhow::{Context, anyhow};
use kis_model::Environment;
use kis_sim::{ClockView, SimConfig, Simulator};
use tokio::sync::oneshot;

/// What the daemon needs of a running simulator.
#[derive(Debug, Clone)]
pub struct SimEndpoints {
    pub rest_url: String,
    pub ws_url: String,
    pub env: Environment,
    pub clock: ClockView,
}

pub struct EmbeddedSim {
    pub endpoints: SimEndpoints,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
}

impl EmbeddedSim {
    /// Starts the simulator and waits until it listens. Blocking: call it before the daemon's System runs.
    pub fn start(config: SimConfig) -> anyhow::Result<EmbeddedSim> {
        let env = config.env;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("kis-sim".into())
            .spawn(move || {
                actix_rt::System::new().block_on(async move {
                    let sim = match Simulator::start(config).await {
                        Ok(sim) => sim,
                        Err(e) => {
                            let _ = ready_tx.send(Err(anyhow!(e)));
                            return Ok(());
                        }
                    };
                    let clock = kis_sim::exchange::lock(sim.state()).clock_view.clone();
                    let endpoints = SimEndpoints { rest_url: sim.rest_url(), ws_url: sim.ws_url(), env, clock };
                    let _ = ready_tx.send(Ok(endpoints));
                    // A dropped sender (the daemon gone without a word) stops the simulator too.
                    let _ = stop_rx.await;
                    sim.stop().await.map_err(|e| anyhow!(e))
                })
            })
            .context("starting the simulator's thread")?;
        let endpoints = match ready_rx.recv() {
            Ok(ready) => ready,
            Err(_) => Err(anyhow!("the simulator's thread ended before it listened")),
        };
        match endpoints {
            Ok(endpoints) => Ok(EmbeddedSim { endpoints, stop: Some(stop_tx), thread: Some(thread) }),
            Err(e) => {
                let _ = thread.join();
                Err(e)
            }
        }
    }

    /// Stops the servers and the driver, saves the state file, and waits for the thread. Blocking: call it
    /// after the daemon's System has finished.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(anyhow!("the simulator's thread panicked")),
        }
    }
}

impl Drop for EmbeddedSim {
    /// On an early error return the simulator still stops (and saves its state) before the process ends.
    fn drop(&mut self) {
        if let Err(e) = self.finish() {
            tracing::warn!(error = %e, "stopping the simulator");
        }
    }
}
