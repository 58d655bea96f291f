//! Send/Sync as reasoned in the sources (checked at compile time), and
//! std traits of the value types.
use forget::{
    BorrowedModel, Dataset, Error, Library, Model, ModelRef, PathLock, Predictions, Unlearner,
};

fn send<T: Send>() {}
fn sync<T: Sync>() {}

#[test]
fn thread_markers() {
    send::<Library>();
    sync::<Library>();
    send::<Dataset>();
    sync::<Dataset>();
    send::<Model>();
    sync::<Model>();
    sync::<ModelRef>();
    send::<BorrowedModel<'static>>();
    sync::<BorrowedModel<'static>>();
    send::<Unlearner<'static>>();
    send::<PathLock>();
    sync::<PathLock>();
    send::<Error>();
    sync::<Error>();
    send::<Predictions>();
}

#[test]
fn error_is_a_std_error() {
    fn takes(_: &(dyn std::error::Error + Send + Sync + 'static)) {}
    takes(&Error::new(forget::ErrorKind::Io, "x"));
}
