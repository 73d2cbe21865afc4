//! Request and response hooks: functions the send path calls on every hop, the client's
//! first, then the request's, each in the order they were added.

use std::fmt;
use std::sync::Arc;

use crate::error::Result;
use crate::request::Request;
use crate::response::Response;

type RequestHook = Arc<dyn Fn(&mut Request) -> Result<()> + Send + Sync>;
type ResponseHook = Arc<dyn Fn(&Response) -> Result<()> + Send + Sync>;

/// The hooks of a client or of a request. Empty costs nothing: no allocation.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    request: Vec<RequestHook>,
    response: Vec<ResponseHook>,
}

impl Hooks {
    pub(crate) fn on_request(
        &mut self,
        hook: impl Fn(&mut Request) -> Result<()> + Send + Sync + 'static,
    ) {
        self.request.push(Arc::new(hook));
    }

    pub(crate) fn on_response(
        &mut self,
        hook: impl Fn(&Response) -> Result<()> + Send + Sync + 'static,
    ) {
        self.response.push(Arc::new(hook));
    }

    /// Runs the client's request hooks (`self`), then the request's own, on `request`. The
    /// first error stops the request.
    pub(crate) fn run_request(&self, request: &mut Request) -> Result<()> {
        for hook in &self.request {
            hook(request)?;
        }
        let Some(own) = request.hooks.take() else {
            return Ok(());
        };
        // The request's hooks may change the request that holds them.
        let ran = own.request.iter().try_for_each(|hook| hook(request));
        request.hooks = Some(own);
        ran
    }

    /// Runs the client's response hooks (`self`), then those of the request `response`
    /// answers.
    pub(crate) fn run_response(&self, request: &Request, response: &Response) -> Result<()> {
        let own = request.hooks.iter().flat_map(|hooks| &hooks.response);
        let all = self.response.iter().chain(own);
        all.into_iter().try_for_each(|hook| hook(response))
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("request", &self.request.len())
            .field("response", &self.response.len())
            .finish()
    }
}
