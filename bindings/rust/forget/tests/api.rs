//! Run with LD_LIBRARY_PATH pointing at the built libforget.so.
use forget::{sys, Dataset, JournalKind, Library, Model, Unlearner};

/// 200 linearly separable points: class 0 around (-2, -1), class 1 around
/// (2, 1), jitter in [-1, 1); sample ids 1000..1199.
fn separable() -> (Vec<f32>, Vec<i32>, Vec<u64>) {
    let mut seed = 12345u32;
    let mut jitter = || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (seed >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    };
    let (mut x, mut labels) = (Vec::new(), Vec::new());
    for i in 0..200 {
        let sign = if i % 2 == 0 { -1.0 } else { 1.0 };
        x.push(sign * 2.0 + jitter());
        x.push(sign * 1.0 + jitter());
        labels.push(i % 2);
    }
    (x, labels, (1000..1200).collect())
}

#[test]
fn version_matches_header() {
    let (major, minor, patch) = (
        sys::FORGET_VERSION_MAJOR,
        sys::FORGET_VERSION_MINOR,
        sys::FORGET_VERSION_PATCH,
    );
    assert_eq!(forget::version_number(), sys::FORGET_VERSION_NUMBER as u32);
    assert_eq!(
        forget::version_number(),
        (major * 10000 + minor * 100 + patch) as u32
    );
    assert_eq!(forget::version_string(), format!("{major}.{minor}.{patch}"));
}

#[test]
fn analytic_forgets_rows() {
    let _lib = Library::init().unwrap();
    let (x, labels, ids) = separable();
    let train = Dataset::new(&x, &labels, Some(&ids)).unwrap();
    assert_eq!((train.rows(), train.features()), (200, 2));
    let erase = train.subset_ids(&[1003, 1010, 1101]).unwrap();
    let mut model = Model::create("analytic", "inputs=2 outputs=2").unwrap();
    assert_eq!(model.kind(), "analytic");
    {
        let mut unlearner = Unlearner::create("analytic", &mut model, "").unwrap();
        unlearner.prepare(&train).unwrap();
        unlearner.forget(&erase).unwrap();
        assert!(unlearner.report("seconds").unwrap() >= 0.0);
        assert!(unlearner.accuracy(&train).unwrap() > 0.9);
    }
    let acc = model.accuracy(&train).unwrap();
    assert!(acc > 0.9, "accuracy {acc}");

    let path = std::env::temp_dir().join(format!("forget-rs-{}.fgm", std::process::id()));
    model.save(&path).unwrap();
    let loaded = Model::load(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded.unwrap().accuracy(&train).unwrap(), acc);
}

#[test]
fn forget_ids_unknown_id_is_not_found() {
    let _lib = Library::init().unwrap();
    let (x, labels, ids) = separable();
    let train = Dataset::new(&x, &labels, Some(&ids)).unwrap();
    let mut model = Model::create("analytic", "inputs=2 outputs=2").unwrap();
    let mut unlearner = Unlearner::create("analytic", &mut model, "keep_rows=true").unwrap();
    unlearner.prepare(&train).unwrap();

    let err = unlearner.forget_ids(&[1000, 987654321]).unwrap_err();
    assert_eq!(err.code, sys::FORGET_E_NOT_FOUND);
    assert!(err.message.contains("987654321"), "{err}");

    unlearner.forget_ids(&[1000, 1001, 1002]).unwrap();
    unlearner.forget_ids(&[1000]).unwrap();
    assert_eq!(unlearner.report("already_forgotten").unwrap(), 1.0);
    // An id named twice is forgotten once, the repeat counted.
    unlearner.forget_ids(&[1003, 1003]).unwrap();
    assert_eq!(unlearner.report("rows").unwrap(), 1.0);
    assert_eq!(unlearner.report("already_forgotten").unwrap(), 1.0);
    assert_eq!(
        unlearner.report("no_such_key").unwrap_err().code,
        sys::FORGET_E_NOT_FOUND
    );
    assert!(unlearner.accuracy(&train).unwrap() > 0.9);
}

#[test]
fn unknown_method_is_not_found() {
    let _lib = Library::init().unwrap();
    let mut model = Model::create("analytic", "inputs=2 outputs=2").unwrap();
    let err = Unlearner::create("no-such-method", &mut model, "").unwrap_err();
    assert_eq!(err.code, sys::FORGET_E_NOT_FOUND);
    assert!(err.message.contains("no-such-method"), "{err}");
}

#[test]
fn bad_input_is_an_error() {
    let _lib = Library::init().unwrap();
    let err = Dataset::new(&[0.0; 5], &[0, 1], None).unwrap_err();
    assert_eq!(err.code, sys::FORGET_E_INVALID);
    let train = Dataset::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], None).unwrap();
    let err = train.subset_ids(&[7]).unwrap_err();
    assert_eq!(err.code, sys::FORGET_E_NOT_FOUND);
    assert!(err.message.contains('7'), "{err}");
    assert_eq!(
        Model::create("mlp", "layers=oops").unwrap_err().code,
        sys::FORGET_E_PARAM
    );
}

/// A journal of one forget request, replayed into a fresh unlearner
/// prepared as the first was (the state "before the request"): analytic
/// with keep_rows redoes it by ids; without keep_rows it stays pending
/// until the host passes its rows.
#[test]
fn journal_round_trip() {
    let _lib = Library::init().unwrap();
    let (x, labels, ids) = separable();
    let train = Dataset::new(&x, &labels, Some(&ids)).unwrap();
    let erase = train.subset_ids(&[1003, 1010]).unwrap();
    let path = std::env::temp_dir().join(format!("forget-rs-{}.journal", std::process::id()));
    let _ = std::fs::remove_file(&path);
    for keep_rows in [true, false] {
        let params = if keep_rows { "keep_rows=true" } else { "" };
        let mut model = Model::create("analytic", "inputs=2 outputs=2").unwrap();
        let mut unlearner = Unlearner::create("analytic", &mut model, params).unwrap();
        let err = unlearner.open_journal(&path, false).unwrap_err();
        assert_eq!(err.code, sys::FORGET_E_STATE); // not prepared
        unlearner.prepare(&train).unwrap();
        let err = unlearner.is_forgotten(1003).unwrap_err();
        assert_eq!(err.code, sys::FORGET_E_STATE);
        assert!(err.message.contains("journal"), "{err}");
        let err = unlearner.journal_pending().unwrap_err();
        assert_eq!(err.code, sys::FORGET_E_STATE);
        let before = unlearner.digest().unwrap();
        unlearner.open_journal(&path, false).unwrap();
        assert_eq!(unlearner.report("journal_requests").unwrap(), 0.0);
        unlearner.forget(&erase).unwrap();
        assert_eq!(unlearner.report("journal_seq").unwrap(), 1.0);
        assert!(unlearner.is_forgotten(1010).unwrap());
        assert!(!unlearner.is_forgotten(1011).unwrap());
        assert_eq!(unlearner.journal_pending().unwrap(), None);
        let err = unlearner.open_journal(&path, false).unwrap_err();
        assert_eq!(err.code, sys::FORGET_E_STATE); // attached already
        drop(unlearner);
        let after = model.digest().unwrap();
        assert_ne!(after, before);

        let mut model = Model::create("analytic", "inputs=2 outputs=2").unwrap();
        let mut unlearner = Unlearner::create("analytic", &mut model, params).unwrap();
        unlearner.prepare(&train).unwrap();
        assert_eq!(unlearner.digest().unwrap(), before);
        unlearner.open_journal(&path, false).unwrap();
        assert_eq!(unlearner.report("journal_requests").unwrap(), 1.0);
        if keep_rows {
            assert_eq!(unlearner.report("journal_redone").unwrap(), 1.0);
            assert_eq!(unlearner.journal_pending().unwrap(), None);
        } else {
            assert_eq!(unlearner.report("journal_pending").unwrap(), 1.0);
            let (kind, mut pending) = unlearner.journal_pending().unwrap().unwrap();
            pending.sort_unstable();
            assert_eq!((kind, pending), (JournalKind::Forget, vec![1003, 1010]));
            assert!(!unlearner.is_forgotten(1003).unwrap());
            let other = train.subset_ids(&[1004]).unwrap();
            let err = unlearner.forget(&other).unwrap_err();
            assert_eq!(err.code, sys::FORGET_E_STATE);
            assert!(err.message.contains("pending"), "{err}");
            unlearner.forget(&erase).unwrap();
            assert_eq!(unlearner.journal_pending().unwrap(), None);
        }
        assert!(unlearner.is_forgotten(1003).unwrap());
        assert_eq!(unlearner.digest().unwrap(), after);
        drop(unlearner);
        assert_eq!(model.digest().unwrap(), after);
        // the audit view: the start, the request, its end, its end again
        let records = forget::read_journal(&path).unwrap();
        let types: Vec<i32> = records.iter().map(|r| r.record_type).collect();
        assert_eq!(types, vec![1, 2, 3, 3]);
        assert_eq!(records[1].kind, Some(JournalKind::Forget));
        assert_eq!(records[1].digest, Some(before));
        assert_eq!(records[2].digest, Some(after));
        assert!(records.iter().all(|r| r.method == "analytic"));
        let mut got = records[1].ids.clone();
        got.sort_unstable();
        assert_eq!(got, vec![1003, 1010]);
        std::fs::remove_file(&path).unwrap();
    }
}
