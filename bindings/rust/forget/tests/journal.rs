//! Deletion journals beyond the round trip of api.rs: HMAC keys, verify
//! (intact, tampered, wrong key), reading with a stop, one state - one
//! journal.
mod common;

use std::ops::ControlFlow;

use common::{clusters, TempPath};
use forget::{
    Dataset, ErrorKind, JournalFlags, JournalKind, Library, Model, RecordType, Unlearner,
};

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn prepared(model: &mut Model) -> (Unlearner<'_>, Dataset) {
    let (x, labels, ids) = clusters(60, 3, 2, 1);
    let train = Dataset::classification(3, &x, &labels, Some(&ids)).unwrap();
    let mut u = Unlearner::create("analytic", model, "keep_rows=true").unwrap();
    u.prepare(&train).unwrap();
    (u, train)
}

#[test]
fn keyed_journal_verifies_only_with_its_key() {
    let _lib = Library::init().unwrap();
    let journal = TempPath::new("keyed.journal");
    let mut model = Model::create("analytic", "inputs=3 outputs=2").unwrap();
    let (mut u, _train) = prepared(&mut model);
    assert_eq!(
        u.set_journal_key(Some(&KEY[..15])).unwrap_err().kind(),
        ErrorKind::Invalid
    );
    u.set_journal_key(Some(KEY)).unwrap();
    u.open_journal(&journal.0, false).unwrap();
    assert_eq!(
        u.set_journal_key(None).unwrap_err().kind(),
        ErrorKind::State
    );
    let requests: [&[u64]; 3] = [&[1000, 1001], &[1002], &[1010, 1011, 1012]];
    for ids in requests {
        u.forget_ids(ids).unwrap();
    }
    assert!(u.is_forgotten(1011).unwrap());
    assert!(!u.is_forgotten(1013).unwrap());
    drop(u);

    // OPEN, then REQUEST and DONE per request
    let records = forget::verify_journal(&journal.0, Some(KEY)).unwrap();
    assert_eq!(records, 1 + 2 * requests.len() as u64);
    let err = forget::verify_journal(&journal.0, None).unwrap_err();
    assert_eq!(err.error.kind(), ErrorKind::State, "{err}");
    let mut wrong = KEY.to_vec();
    wrong[0] ^= 1;
    let err = forget::verify_journal(&journal.0, Some(&wrong)).unwrap_err();
    assert_eq!(err.error.kind(), ErrorKind::Format, "{err}");

    let list = forget::read_journal(&journal.0).unwrap();
    let types: Vec<RecordType> = list.iter().map(|r| r.record()).collect();
    assert_eq!(types[0], RecordType::Open);
    assert_eq!(types.len() as u64, records);
    let asked: Vec<Vec<u64>> = list
        .iter()
        .filter(|r| r.record() == RecordType::Request)
        .map(|r| {
            assert_eq!(r.kind, Some(JournalKind::Forget));
            let mut ids = r.ids.clone();
            ids.sort_unstable();
            ids
        })
        .collect();
    assert_eq!(
        asked,
        requests.iter().map(|r| r.to_vec()).collect::<Vec<_>>()
    );
    assert!(list.windows(2).all(|w| w[0].time_ns <= w[1].time_ns));

    // each DONE record holds its call's report: "rows" per request
    let figures = forget::read_journal_figures(&journal.0).unwrap();
    let rows: Vec<(u64, f64)> = figures
        .iter()
        .filter(|f| f.key == "rows")
        .map(|f| (f.seq, f.value))
        .collect();
    assert_eq!(rows, vec![(1, 2.0), (2, 1.0), (3, 3.0)]);
    let mut taken = 0;
    let err = forget::read_journal_figures_with(&journal.0, |_| {
        taken += 1;
        ControlFlow::Break(())
    })
    .unwrap_err();
    assert_eq!((err.kind(), taken), (ErrorKind::Canceled, 1));

    // stop after the second record
    let mut seen = 0;
    let err = forget::read_journal_with(&journal.0, |_| {
        seen += 1;
        if seen == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap_err();
    assert_eq!((err.kind(), seen), (ErrorKind::Canceled, 2));

    // a changed byte in the last record breaks the chain there
    let mut bytes = std::fs::read(&journal.0).unwrap();
    let at = bytes.len() - 40;
    bytes[at] ^= 0x10;
    std::fs::write(&journal.0, &bytes).unwrap();
    let err = forget::verify_journal(&journal.0, Some(KEY)).unwrap_err();
    assert_eq!(err.error.kind(), ErrorKind::Format, "{err}");
    assert_eq!(
        forget::read_journal_figures(&journal.0).unwrap_err().kind(),
        ErrorKind::Format
    );
    assert_eq!(err.record, records - 1);
    assert!(err.offset > 0 && err.offset < at as u64, "{err}");
    let as_error: forget::Error = err.into();
    assert_eq!(as_error.kind(), ErrorKind::Format);
}

/// A state saved with a journal attached names it: another journal is
/// refused, even a new one, unless asked for on purpose.
#[test]
fn one_state_one_journal() {
    let _lib = Library::init().unwrap();
    let (first, second) = (TempPath::new("one.journal"), TempPath::new("two.journal"));
    let mut model = Model::create("analytic", "inputs=3 outputs=2").unwrap();
    let (mut u, _train) = prepared(&mut model);
    u.open_journal(&first.0, false).unwrap();
    u.forget_ids(&[1000]).unwrap();
    let state = u.save_buffer().unwrap();
    drop(u);

    let mut u = Unlearner::load_buffer(&mut model, &state).unwrap();
    let err = u.open_journal(&second.0, false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::State, "{err}");
    u.open_journal_with(
        &second.0,
        JournalFlags {
            new: true,
            repair: false,
        },
    )
    .unwrap();
    u.forget_ids(&[1001]).unwrap();
    assert!(u.is_forgotten(1001).unwrap());
    assert!(u.is_forgotten(1000).unwrap()); // the state knows it
    assert_eq!(u.journal_pending().unwrap(), None);
    drop(u);
    assert_eq!(forget::verify_journal(&second.0, None).unwrap(), 3);

    let err = forget::verify_journal(second.0.with_extension("absent"), None).unwrap_err();
    assert_eq!(err.error.kind(), ErrorKind::Io, "{err}");
}
