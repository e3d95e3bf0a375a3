//! What a client needs to send a request, in one trait: path, method, TR id, parameters, reply body type.
//! The simulator uses the same constants to route (path + TR id → operation → request type).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::tr_id::{Environment, Op, tr_id};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A `/uapi` request. Its reply is a [`crate::rest::envelope::Reply`] of [`RestRequest::Body`].
pub trait RestRequest {
    const PATH: &'static str;
    const METHOD: Method;
    /// The operations (TR ids) served at this path; the simulator maps an incoming TR id to one of them.
    const OPS: &'static [Op];
    /// The reply outputs (what sits beside `rt_cd` in the body).
    type Body: Serialize + DeserializeOwned + Default;

    fn op(&self) -> Op;

    /// `(name, value)` pairs: the query string of a GET, the JSON body of a POST, in KIS's order.
    fn params(&self) -> Vec<(&'static str, String)>;

    /// `None` when the operation is not offered on `env`.
    fn tr_id(&self, env: Environment) -> Option<&'static str> {
        tr_id(self.op(), env)
    }

    /// The JSON body text of a POST (every value a string, keys as KIS spells them).
    fn json_body(&self) -> String {
        crate::rest::wire::json_from_pairs(&self.params())
    }
}

/// Implement [`RestRequest`] for a `wire_request!` struct served by a single operation.
macro_rules! rest_request {
    ($req:ty, $method:ident $path:expr, $op:expr, $body:ty) => {
        impl $crate::rest::endpoint::RestRequest for $req {
            const PATH: &'static str = $path;
            const METHOD: $crate::rest::endpoint::Method = $crate::rest::endpoint::Method::$method;
            const OPS: &'static [$crate::tr_id::Op] = &[$op];
            type Body = $body;

            fn op(&self) -> $crate::tr_id::Op {
                $op
            }

            fn params(&self) -> Vec<(&'static str, String)> {
                self.pairs()
            }
        }
    };
}
pub(crate) use rest_request;
