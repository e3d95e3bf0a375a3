//! Continuation of paged inquiries (balance, daily fills, unfilled orders …).
//!
//! The response header `tr_cont` says whether more pages exist (`F`/`M` more, `D`/`E` last); the body's
//! `ctx_area_fk100/nk100` (domestic) or `ctx_area_fk200/nk200` (overseas) are the cursor. The next request
//! sends header `tr_cont: "N"` and the cursor **verbatim** — KIS pads it with spaces and the padding is part
//! of the key.

/// Request header value asking for the next page.
pub const TR_CONT_NEXT: &str = "N";
/// Request header value of a first page.
pub const TR_CONT_FIRST: &str = "";

/// Response header `tr_cont`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrCont {
    /// `F`: first page, more follow.
    First,
    /// `M`: a middle page, more follow.
    Middle,
    /// `D`: last page.
    Last,
    /// `E`: end (also last).
    End,
}

impl TrCont {
    pub fn parse(header: &str) -> Option<TrCont> {
        match header.trim() {
            "F" | "f" => Some(TrCont::First),
            "M" | "m" => Some(TrCont::Middle),
            "D" | "d" => Some(TrCont::Last),
            "E" | "e" => Some(TrCont::End),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TrCont::First => "F",
            TrCont::Middle => "M",
            TrCont::Last => "D",
            TrCont::End => "E",
        }
    }

    pub fn has_more(self) -> bool {
        matches!(self, TrCont::First | TrCont::Middle)
    }
}

/// The paging cursor, exactly as KIS sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Continuation {
    pub fk: String,
    pub nk: String,
}

/// A response body that carries a cursor.
pub trait PagedBody {
    fn continuation(&self) -> Continuation;
}

/// A request that can carry a cursor.
pub trait PagedRequest {
    fn continuation(&self) -> Continuation;
    fn set_continuation(&mut self, continuation: Continuation);
}

/// What to do after a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextPage {
    Done,
    /// Send the same request again with header `tr_cont` = `tr_cont` and this cursor.
    Fetch {
        tr_cont: &'static str,
        continuation: Continuation,
    },
}

/// Decide from the response header `tr_cont` (absent or unknown → no more pages) and the body's cursor.
/// The caller should also stop if the cursor repeats, so a misbehaving server cannot loop it forever.
pub fn next_page(tr_cont_header: Option<&str>, body: &impl PagedBody) -> NextPage {
    match tr_cont_header.and_then(TrCont::parse) {
        Some(tr_cont) if tr_cont.has_more() => {
            NextPage::Fetch { tr_cont: TR_CONT_NEXT, continuation: body.continuation() }
        }
        _ => NextPage::Done,
    }
}

/// Whether a request's `tr_cont` header asks for a following page (simulator side).
pub fn is_next_page_request(tr_cont_header: Option<&str>) -> bool {
    tr_cont_header.is_some_and(|value| value.trim().eq_ignore_ascii_case(TR_CONT_NEXT))
}

/// Implement the paging traits for a body with `ctx_area_fk<N>`/`ctx_area_nk<N>` fields and a request with
/// `ctx_area_fk<N>`/`ctx_area_nk<N>` fields.
macro_rules! paged {
    (body $body:ty { $fk:ident, $nk:ident }) => {
        impl $crate::rest::pagination::PagedBody for $body {
            fn continuation(&self) -> $crate::rest::pagination::Continuation {
                $crate::rest::pagination::Continuation { fk: self.$fk.clone(), nk: self.$nk.clone() }
            }
        }
    };
    (request $req:ty { $fk:ident, $nk:ident }) => {
        impl $crate::rest::pagination::PagedRequest for $req {
            fn continuation(&self) -> $crate::rest::pagination::Continuation {
                $crate::rest::pagination::Continuation { fk: self.$fk.clone(), nk: self.$nk.clone() }
            }
            fn set_continuation(&mut self, continuation: $crate::rest::pagination::Continuation) {
                self.$fk = continuation.fk;
                self.$nk = continuation.nk;
            }
        }
    };
}
pub(crate) use paged;
