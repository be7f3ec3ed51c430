//! The JavaScript error: the core's [`Error`] plus the failures only JavaScript can have (an
//! argument of the wrong type, a value `JSON.stringify` cannot encode, an input over the limit),
//! thrown as an `Error` named `AllpassCryptoError` with a stable `code` and, where the cause is a
//! public fact about the input, a stable `reason`.

use allpass_crypto::Error;
use wasm_bindgen::JsValue;

/// Why a call failed, before it becomes a JS `Error`.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Anything the core reports.
    Core(Error),
    /// The core's error about one key of a list (`key[index]`).
    InKeyList { index: usize, error: Error },
    /// `INVALID_ARGUMENT`, with its reason (`WRONG_TYPE`, `TOO_LONG`, `NOT_SERIALIZABLE`,
    /// `NO_BODY`, `UNREADABLE`) and a message that says what to pass instead.
    InvalidArgument {
        reason: &'static str,
        message: String,
    },
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Core(error)
    }
}

impl Failure {
    pub(crate) fn argument(reason: &'static str, message: String) -> Self {
        Failure::InvalidArgument { reason, message }
    }

    fn code(&self) -> &'static str {
        match self {
            Failure::Core(error) | Failure::InKeyList { error, .. } => error.code(),
            Failure::InvalidArgument { .. } => "INVALID_ARGUMENT",
        }
    }

    fn reason(&self) -> Option<&'static str> {
        match self {
            Failure::Core(error) | Failure::InKeyList { error, .. } => error.reason(),
            Failure::InvalidArgument { reason, .. } => Some(reason),
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::Core(error) => error.to_string(),
            Failure::InKeyList { index, error } => format!("key[{index}]: {error}"),
            Failure::InvalidArgument { message, .. } => message.clone(),
        }
    }

    /// The thrown value: `Error` named `AllpassCryptoError`, with `code` and maybe `reason`.
    pub(crate) fn into_js(self) -> JsValue {
        let js = js_sys::Error::new(&self.message());
        js.set_name("AllpassCryptoError");
        // Setting a property on a fresh, unfrozen Error cannot fail.
        let _ = js_sys::Reflect::set(&js, &"code".into(), &self.code().into());
        if let Some(reason) = self.reason() {
            let _ = js_sys::Reflect::set(&js, &"reason".into(), &reason.into());
        }
        js.into()
    }
}

/// Runs a binding body and turns its failure into the thrown JS `Error`.
pub(crate) fn run<T>(body: impl FnOnce() -> Result<T, Failure>) -> Result<T, JsValue> {
    body().map_err(Failure::into_js)
}
