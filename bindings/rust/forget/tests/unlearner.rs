//! Unlearners: sisa state saved and loaded (file and buffer) equals no
//! restart, ownership, progress with cancel, reports, model views.
mod common;

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use common::{clusters, TempPath};
use forget::{Dataset, ErrorKind, Library, Model, Unlearner};

const SISA: &str = r#"shards=3 slices=2 seed=9 train="lr=0.1 batch=16""#;

fn data() -> Dataset {
    let (x, labels, ids) = clusters(180, 4, 3, 11);
    Dataset::classification(4, &x, &labels, Some(&ids)).unwrap()
}

fn template() -> Model {
    Model::create("mlp", "layers=4-6-3 seed=5").unwrap()
}

/// Requests done in one life, then the same with a restart (through a
/// file and through a buffer) after each request: the ensembles' digests
/// agree after every request, and so do their predictions.
#[test]
fn sisa_restart_equals_no_restart() {
    let _lib = Library::init().unwrap();
    let train = data();
    let requests: [&[u64]; 3] = [&[1000, 1004, 1101], &[1050], &[1003, 1170, 1171]];

    let mut model = template();
    let mut reference = Unlearner::create("sisa", &mut model, SISA).unwrap();
    reference.prepare(&train).unwrap();
    let mut digests = vec![reference.digest().unwrap()];
    for ids in requests {
        reference.forget_ids(ids).unwrap();
        digests.push(reference.digest().unwrap());
    }
    let final_predictions = reference.model().unwrap().predict(&train).unwrap();
    drop(reference);
    // every request changed the ensemble
    for w in digests.windows(2) {
        assert_ne!(w[0], w[1]);
    }

    for through_file in [true, false] {
        let state = TempPath::new("sisa.state");
        let model_file = TempPath::new("template.fgm");
        template().save(&model_file.0).unwrap();
        let mut u = Unlearner::create("sisa", Model::load(&model_file.0).unwrap(), SISA).unwrap();
        u.prepare(&train).unwrap();
        assert_eq!(u.digest().unwrap(), digests[0]);
        for (k, ids) in requests.iter().enumerate() {
            // save, drop everything, load the template and the state again
            let buffer = if through_file {
                u.save(&state.0).unwrap();
                None
            } else {
                Some(u.save_buffer().unwrap())
            };
            let before = u.digest().unwrap();
            drop(u);
            let model = Model::load(&model_file.0).unwrap();
            u = match &buffer {
                None => Unlearner::load(model, &state.0).unwrap(),
                Some(bytes) => Unlearner::load_buffer(model, bytes).unwrap(),
            };
            assert!(u.is_prepared());
            assert_eq!(u.method(), "sisa");
            assert_eq!(u.digest().unwrap(), before);
            u.forget_ids(ids).unwrap();
            assert_eq!(
                u.digest().unwrap(),
                digests[k + 1],
                "request {k}, file {through_file}"
            );
        }
        assert_eq!(
            u.model().unwrap().predict(&train).unwrap(),
            final_predictions
        );
        // the state remembers what was forgotten: a repeat is counted,
        // an id never learned is refused and changes nothing
        let d = u.digest().unwrap();
        u.forget_ids(&[1050]).unwrap();
        assert_eq!(u.report("already_forgotten").unwrap(), 1.0);
        assert_eq!(u.digest().unwrap(), d);
        let err = u.forget_ids(&[5]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(u.digest().unwrap(), d);
    }
}

/// A state is bound to its model: another template is refused, and a
/// damaged buffer is a format error.
#[test]
fn sisa_state_refuses_other_models_and_damage() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut u = Unlearner::create("sisa", template(), SISA).unwrap();
    u.prepare(&train).unwrap();
    let bytes = u.save_buffer().unwrap();
    let other = Model::create("mlp", "layers=4-6-3 seed=6").unwrap();
    let err = Unlearner::load_buffer(other, &bytes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::State, "{err}");
    for cut in [0, 8, bytes.len() / 2, bytes.len() - 1] {
        let err = Unlearner::load_buffer(template(), &bytes[..cut]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Format, "cut at {cut}: {err}");
    }
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let err = Unlearner::load_buffer(template(), &flipped).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Format, "{err}");
    // only the keys the method allows may be replaced at load
    let err = Unlearner::load_buffer_with_params(template(), &bytes, "shards=2").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Param, "{err}");
    assert!(err.message.contains("shards"), "{err}");
}

/// `store=` replaced at load: the checkpoints are read from (and written
/// to) the host's folder, not the one the state names; the result is the
/// same. A state that keeps its checkpoints in memory refuses the key.
#[test]
fn sisa_load_with_store_override() {
    let _lib = Library::init().unwrap();
    let train = data();
    let (first, second) = (TempPath::new("store-a"), TempPath::new("store-b"));
    std::fs::create_dir(&first.0).unwrap();
    std::fs::create_dir(&second.0).unwrap();
    let params = format!("{SISA} store=\"{}\"", first.0.display());
    let mut u = Unlearner::create("sisa", template(), &params).unwrap();
    u.prepare(&train).unwrap();
    let state = TempPath::new("store.state");
    u.save(&state.0).unwrap();
    let mut copy = Unlearner::load(template(), &state.0).unwrap();
    copy.forget_ids(&[1001, 1002]).unwrap();
    let expected = copy.digest().unwrap();
    drop(copy);
    drop(u);
    // the host moves the checkpoints; the state still names the old folder
    for entry in std::fs::read_dir(&first.0).unwrap() {
        let entry = entry.unwrap();
        std::fs::rename(entry.path(), second.0.join(entry.file_name())).unwrap();
    }
    let count = |dir: &std::path::Path| std::fs::read_dir(dir).unwrap().count();
    let params = format!("store=\"{}\"", second.0.display());
    let mut u = Unlearner::load_with_params(template(), &state.0, &params).unwrap();
    u.forget_ids(&[1001, 1002]).unwrap();
    assert_eq!(u.digest().unwrap(), expected);
    assert_eq!(count(&first.0), 0); // the folder the state names is not used
    assert!(count(&second.0) > 0);
    drop(u);
    // without the override the state's folder is used: its checkpoints are
    // missing, and the load rebuilds them (training is deterministic)
    let mut u = Unlearner::load(template(), &state.0).unwrap();
    assert!(count(&first.0) > 0);
    u.forget_ids(&[1001, 1002]).unwrap();
    assert_eq!(u.digest().unwrap(), expected);
    drop(u);

    let mut u = Unlearner::create("sisa", template(), SISA).unwrap();
    u.prepare(&train).unwrap();
    let bytes = u.save_buffer().unwrap();
    let err = Unlearner::load_buffer_with_params(template(), &bytes, &params).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Format, "{err}");
}

/// The ensemble sisa presents averages its parts' probabilities
/// (aggregate=mean), for every row.
#[test]
fn sisa_model_and_parts() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut model = template();
    let mut u = Unlearner::create("sisa", &mut model, SISA).unwrap();
    assert!(u.model().is_none());
    assert_eq!(u.digest().unwrap_err().kind(), ErrorKind::State);
    assert!(!u.is_prepared());
    u.prepare(&train).unwrap();
    let ensemble = u.model().unwrap();
    assert_eq!(ensemble.part_count(), 3);
    assert!(ensemble.part(3).is_none());
    let whole = ensemble.predict(&train).unwrap();
    let parts: Vec<_> = (0..3)
        .map(|i| ensemble.part(i).unwrap().predict(&train).unwrap())
        .collect();
    for (k, v) in whole.values().iter().enumerate() {
        let mean = parts.iter().map(|p| p.values()[k]).sum::<f32>() / 3.0;
        assert!((v - mean).abs() < 1e-5, "value {k}: {v} vs {mean}");
    }
    // a part kept beyond the unlearner
    let kept = ensemble.part(1).unwrap().try_clone().unwrap();
    let expected = kept.digest().unwrap();
    drop(u);
    assert_eq!(kept.digest().unwrap(), expected);
    assert_eq!(kept.predict(&train).unwrap(), parts[1]);
    // the template is not changed by sisa
    assert_eq!(model.digest().unwrap(), template().digest().unwrap());
}

fn prepared_sisa() -> Unlearner<'static> {
    let mut u = Unlearner::create("sisa", template(), SISA).unwrap();
    u.prepare(&data()).unwrap();
    u
}

/// Cancel at the k-th progress report, for every k: a cancel asked for
/// before the last report (1.0) fails the call with Canceled and changes
/// neither the ensemble nor the report. (How many reports a call makes depends on
/// timing: sisa's shards train on other threads.)
#[test]
fn progress_cancel_leaves_the_unlearner_unchanged() {
    let _lib = Library::init().unwrap();
    let ids = [1000, 1001, 1002, 1003, 1004, 1005];
    // a run to see the reports
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut u = prepared_sisa();
    let log = seen.clone();
    u.set_progress(move |f, stage| {
        log.lock().unwrap().push((f, stage.to_string()));
        ControlFlow::Continue(())
    })
    .unwrap();
    u.forget_ids(&ids).unwrap();
    let after = u.digest().unwrap();
    let reports = seen.lock().unwrap().clone();
    assert!(reports.len() >= 2, "{reports:?}");
    assert!(reports.iter().all(|(f, _)| (0.0..=1.0).contains(f)));
    assert!(reports.windows(2).all(|w| w[0].0 <= w[1].0), "{reports:?}");
    assert_eq!(reports.last().unwrap().0, 1.0);
    assert_eq!(reports.iter().filter(|(f, _)| *f == 1.0).count(), 1);
    assert!(reports.iter().all(|(_, s)| s == "forget"), "{reports:?}");

    let mut canceled = 0;
    for k in 0..reports.len() + 2 {
        let mut u = prepared_sisa();
        let before = u.digest().unwrap();
        let report = u.last_report();
        let stopped_at = Arc::new(Mutex::new(None));
        let (at, mut calls) = (stopped_at.clone(), 0);
        u.set_progress(move |f, _| {
            calls += 1;
            if calls > k {
                *at.lock().unwrap() = Some(f);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        let result = u.forget_ids(&ids);
        let stopped_at = *stopped_at.lock().unwrap();
        if stopped_at.is_some_and(|f| f < 1.0) {
            assert_eq!(
                result.as_ref().unwrap_err().kind(),
                ErrorKind::Canceled,
                "at {k}"
            );
        } else if stopped_at.is_none() {
            result.as_ref().unwrap();
        }
        // a cancel at 1.0 may still be honoured (sisa reports its own 1.0
        // before the library's last), or be too late: either way a
        // canceled call changed nothing and a successful one everything
        match result {
            Err(err) => {
                assert_eq!(err.kind(), ErrorKind::Canceled, "cancel at {k}: {err}");
                assert_eq!(u.digest().unwrap(), before, "cancel at {k}");
                assert_eq!(u.last_report(), report);
                canceled += 1;
                u.clear_progress();
                u.forget_ids(&ids).unwrap();
            }
            Ok(()) => assert!(u.last_report() != report),
        }
        assert_eq!(u.digest().unwrap(), after);
    }
    assert!(canceled >= 1);
}

/// A panic in the progress closure cancels the call and comes back as an
/// Internal error naming it; the unlearner is unchanged and usable.
#[test]
fn progress_panic_is_an_error() {
    let _lib = Library::init().unwrap();
    let mut u = prepared_sisa();
    let before = u.digest().unwrap();
    u.set_progress(|_, _| panic!("progress exploded")).unwrap();
    let err = u.forget_ids(&[1000]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal, "{err}");
    assert!(err.message.contains("progress exploded"), "{err}");
    assert_eq!(u.digest().unwrap(), before);
    u.clear_progress();
    u.forget_ids(&[1000]).unwrap();
    assert_ne!(u.digest().unwrap(), before);
}

/// Analytic learns rows exactly: learning rows then forgetting them gives
/// the model prepared without them (to rounding).
#[test]
fn analytic_learn_then_forget() {
    let _lib = Library::init().unwrap();
    let all = data();
    let extra_ids: Vec<u64> = (1150..1180).collect();
    let base = all.exclude_ids(&extra_ids).unwrap();
    let extra = all.subset_ids(&extra_ids).unwrap();

    let mut fitted = Model::create("analytic", "inputs=4 outputs=3").unwrap();
    let mut u = Unlearner::create("analytic", &mut fitted, "keep_rows=true").unwrap();
    u.prepare(&all).unwrap();
    let full = u.model().unwrap().predict(&all).unwrap();
    drop(u);

    let mut model = Model::create("analytic", "inputs=4 outputs=3").unwrap();
    let mut u = Unlearner::create("analytic", &mut model, "keep_rows=true").unwrap();
    u.prepare(&base).unwrap();
    let without = u.model().unwrap().predict(&all).unwrap();
    u.learn(&extra).unwrap();
    let learned = u.model().unwrap().predict(&all).unwrap();
    assert!(common::close(learned.values(), full.values(), 1e-4));
    let err = u.learn(&extra).unwrap_err(); // learned already
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    u.forget_ids(&extra_ids).unwrap();
    let forgotten = u.model().unwrap().predict(&all).unwrap();
    assert!(common::close(forgotten.values(), without.values(), 1e-4));
    let report = u.last_report().unwrap();
    assert_eq!(report["rows"], extra_ids.len() as f64);
    assert!(report["seconds"] >= 0.0);
}

/// What a method does not offer is Unsupported and changes nothing.
#[test]
fn unsupported_requests() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut model = Model::create("mlp", "layers=4-6-3 seed=5").unwrap();
    let mut u = Unlearner::create("ssd", &mut model, "alpha=2").unwrap();
    assert_eq!(u.forget_ids(&[1000]).unwrap_err().kind(), ErrorKind::State);
    u.prepare(&train).unwrap();
    let before = u.digest().unwrap();
    assert_eq!(
        u.forget_ids(&[1000]).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(u.learn(&train).unwrap_err().kind(), ErrorKind::Unsupported);
    let empty = train.subset_ids(&[]).unwrap();
    assert_eq!(u.forget(&empty).unwrap_err().kind(), ErrorKind::Invalid);
    assert_eq!(u.digest().unwrap(), before);
    // ssd changes the model it borrows, in place
    let class0 = train.subset_class(0).unwrap();
    u.forget(&class0).unwrap();
    let after = u.digest().unwrap();
    assert_ne!(after, before);
    drop(u);
    assert_eq!(model.digest().unwrap(), after);
}

/// An owned model comes back with into_model, changed by the requests; a
/// borrowed one does not.
#[test]
fn ownership_round_trip() {
    let _lib = Library::init().unwrap();
    let train = data();
    let model = Model::create("analytic", "inputs=4 outputs=3").unwrap();
    let mut u = Unlearner::create("analytic", model, "keep_rows=true").unwrap();
    u.prepare(&train).unwrap();
    u.forget_ids(&[1000]).unwrap();
    let digest = u.digest().unwrap();
    let model = u.into_model().unwrap();
    assert_eq!(model.digest().unwrap(), digest);

    let mut model = model;
    let u = Unlearner::create("analytic", &mut model, "").unwrap();
    assert!(u.into_model().is_none());
    assert_eq!(model.digest().unwrap(), digest);
}

/// An unlearner (and the model it owns) may move to another thread.
#[test]
fn unlearner_moves_between_threads() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut u = Unlearner::create(
        "analytic",
        Model::create("analytic", "inputs=4 outputs=3").unwrap(),
        "keep_rows=true",
    )
    .unwrap();
    u.prepare(&train).unwrap();
    let here = {
        let mut v = Unlearner::load_buffer(
            u.model().unwrap().try_clone().unwrap(),
            &u.save_buffer().unwrap(),
        )
        .unwrap();
        v.forget_ids(&[1007]).unwrap();
        v.digest().unwrap()
    };
    let there = std::thread::spawn(move || {
        u.forget_ids(&[1007]).unwrap();
        u.digest().unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(here, there);
}

/// A calibrated ssd request: refused without held-out rows (the model
/// unchanged), then met once they are given; the copy outlives the caller's
/// dataset.
#[test]
fn calibrated_to_heldout_rows() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut model = template();
    model.train(&train, "epochs=5 batch=16").unwrap();
    let before = model.get_params().unwrap();
    let mut u = Unlearner::create("ssd", &mut model, "target=heldout tolerance=1").unwrap();
    u.prepare(&train).unwrap();
    let f = train.subset_class(1).unwrap();
    assert_eq!(u.forget(&f).unwrap_err().kind(), ErrorKind::State);
    {
        let (x, labels, ids) = clusters(60, 4, 3, 12);
        let held = Dataset::classification(4, &x, &labels, Some(&ids)).unwrap();
        u.set_heldout(Some(&held)).unwrap();
    }
    u.forget(&f).unwrap();
    assert!(u.report("calibrated_alpha").unwrap() > 0.0);
    u.set_heldout(None).unwrap();
    drop(u);
    assert_ne!(model.get_params().unwrap(), before);
}
