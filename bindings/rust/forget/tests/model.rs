//! Models: creation and its checks, canonical parameters, parameter
//! vectors and blocks, files and buffers, clones, prediction, training
//! with progress and cancel, trunks.
mod common;

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use common::{clusters, Rng, TempPath};
use forget::{Dataset, ErrorKind, Library, Model, Task};

fn data() -> Dataset {
    let (x, labels, ids) = clusters(120, 4, 3, 3);
    Dataset::classification(4, &x, &labels, Some(&ids)).unwrap()
}

const KINDS: [(&str, &str); 4] = [
    ("linear", "inputs=4 outputs=3 seed=2"),
    ("mlp", "layers=4-7-3 act=tanh seed=3"),
    ("mlp", "layers=4-5-6-3 seed=4"),
    ("analytic", "inputs=4 outputs=3"),
];

#[test]
fn creation_errors_name_the_problem() {
    let _lib = Library::init().unwrap();
    let err = Model::create("no-such-kind", "").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = Model::create("mlp", "layers=4-3 colour=red").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Param);
    assert!(err.message.contains("colour"), "{err}");
    let err = Model::create("linear", "inputs=4 outputs=3 seed=x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Param);
    assert!(err.message.contains("seed"), "{err}");
    assert_eq!(
        Model::create("mlp", "bad\0").unwrap_err().kind(),
        ErrorKind::Invalid
    );
}

/// The canonical parameter string names every key and makes the same
/// model again.
#[test]
fn canonical_params_recreate_the_model() {
    let _lib = Library::init().unwrap();
    for (kind, params) in KINDS {
        let m = Model::create(kind, params).unwrap();
        assert_eq!(m.kind(), kind);
        assert_eq!((m.inputs(), m.outputs()), (4, 3));
        assert_eq!(m.task(), Some(Task::Classification));
        let canonical = m.params_string();
        assert!(canonical.contains("task="), "{canonical}");
        let again = Model::create(kind, &canonical).unwrap();
        assert_eq!(again.params_string(), canonical);
        assert_eq!(
            again.digest().unwrap(),
            m.digest().unwrap(),
            "{kind} {canonical}"
        );
    }
}

#[test]
fn params_and_blocks() {
    let _lib = Library::init().unwrap();
    let mut rng = Rng::new(4);
    for (kind, params) in KINDS {
        let mut m = Model::create(kind, params).unwrap();
        let n = m.param_count();
        let blocks = m.blocks().unwrap();
        // blocks tile the vector in order; each size is its shape's product
        let mut offset = 0;
        for b in &blocks {
            assert_eq!(b.offset, offset, "{kind} {}", b.name);
            assert_eq!(
                b.size,
                b.shape.iter().product::<usize>(),
                "{kind} {}",
                b.name
            );
            assert!(b.shape.len() == 1 || b.shape.len() == 2);
            offset += b.size;
        }
        assert_eq!(offset, n);
        if kind == "mlp" {
            let layers: Vec<usize> = params[7..]
                .split(' ')
                .next()
                .unwrap()
                .split('-')
                .map(|s| s.parse().unwrap())
                .collect();
            for (k, w) in layers.windows(2).enumerate() {
                assert_eq!(blocks[2 * k].name, format!("dense{k}.weight"));
                assert_eq!(blocks[2 * k].shape, vec![w[1], w[0]]);
                assert_eq!(blocks[2 * k + 1].shape, vec![w[1]]);
            }
        }
        let before = m.digest().unwrap();
        let values: Vec<f32> = (0..n).map(|_| rng.next()).collect();
        m.set_params(&values).unwrap();
        assert_eq!(m.get_params().unwrap(), values);
        let changed = m.digest().unwrap();
        assert_ne!(changed, before);
        // refused, unchanged: wrong count, NaN
        assert_eq!(
            m.set_params(&values[1..]).unwrap_err().kind(),
            ErrorKind::Invalid
        );
        let mut bad = values.clone();
        bad[n / 2] = f32::NAN;
        assert_eq!(m.set_params(&bad).unwrap_err().kind(), ErrorKind::Invalid);
        assert_eq!(m.get_params().unwrap(), values);
        assert_eq!(m.digest().unwrap(), changed);
    }
}

#[test]
fn files_buffers_and_clones() {
    let _lib = Library::init().unwrap();
    let train = data();
    for (kind, params) in KINDS {
        let mut m = Model::create(kind, params).unwrap();
        let train_params = if kind == "analytic" {
            ""
        } else {
            "epochs=2 batch=32"
        };
        m.train(&train, train_params).unwrap();
        let digest = m.digest().unwrap();
        let predictions = m.predict(&train).unwrap();

        let file = TempPath::new("model.fgm");
        m.save(&file.0).unwrap();
        let loaded = Model::load(&file.0).unwrap();
        assert_eq!(loaded.digest().unwrap(), digest);
        assert_eq!(loaded.predict(&train).unwrap(), predictions);
        let bytes = m.save_buffer().unwrap();
        assert_eq!(bytes, std::fs::read(&file.0).unwrap());
        let from_bytes = Model::load_buffer(&bytes).unwrap();
        assert_eq!(from_bytes.digest().unwrap(), digest);
        assert_eq!(from_bytes.params_string(), m.params_string());

        for cut in [0, 3, bytes.len() / 3, bytes.len() - 1] {
            let err = Model::load_buffer(&bytes[..cut]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Format, "{kind} cut {cut}: {err}");
        }
        let mut flipped = bytes.clone();
        let k = flipped.len() - 9;
        flipped[k] ^= 1;
        assert_eq!(
            Model::load_buffer(&flipped).unwrap_err().kind(),
            ErrorKind::Format
        );

        // a clone is a deep copy
        let mut copy = m.try_clone().unwrap();
        assert_eq!(copy.digest().unwrap(), digest);
        let zeros = vec![0.0; copy.param_count()];
        copy.set_params(&zeros).unwrap();
        assert_eq!(m.digest().unwrap(), digest);
        assert_ne!(copy.digest().unwrap(), digest);
    }
    let err = Model::load(std::env::temp_dir().join("forget-rs-no-such-model.fgm")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
}

/// safetensors: an export imports back to the same digest (file and bytes,
/// both name styles); the caller's act wins over the metadata; a cut file
/// is a format error; analytic models cannot be exported.
#[test]
fn safetensors_import_and_export() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut m = Model::create("mlp", "layers=4-7-5-3 act=tanh seed=3").unwrap();
    m.train(&train, "epochs=2 batch=32").unwrap();
    let digest = m.digest().unwrap();
    for names in ["names=libforget", "names=torch"] {
        let bytes = m.export_safetensors_buffer(names).unwrap();
        let back = Model::import_safetensors_buffer(&bytes, "").unwrap();
        assert_eq!(back.digest().unwrap(), digest);
        let file = TempPath::new("model.safetensors");
        m.export_safetensors(&file.0, names).unwrap();
        assert_eq!(std::fs::read(&file.0).unwrap(), bytes);
        let from_file = Model::import_safetensors(&file.0, "act=relu").unwrap();
        assert_ne!(from_file.digest().unwrap(), digest); // relu, not tanh
        assert_eq!(from_file.get_params().unwrap(), m.get_params().unwrap());
        let err = Model::import_safetensors_buffer(&bytes[..bytes.len() - 1], "").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Format, "{err}");
    }
    assert_eq!(
        Model::import_safetensors_buffer(&m.export_safetensors_buffer("").unwrap(), "act=x")
            .unwrap_err()
            .kind(),
        ErrorKind::Param
    );
    let a = Model::create("analytic", "inputs=4 outputs=3").unwrap();
    assert_eq!(
        a.export_safetensors_buffer("").unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}

/// predict and predict_raw agree on any rows; probabilities sum to 1; the
/// sizes are checked.
#[test]
fn predictions() {
    let _lib = Library::init().unwrap();
    let mut rng = Rng::new(8);
    for (kind, params) in KINDS {
        let mut m = Model::create(kind, params).unwrap();
        if kind == "analytic" {
            m.train(&data(), "").unwrap();
        }
        for rows in [1, 5, 300] {
            let x: Vec<f32> = (0..rows * 4).map(|_| 3.0 * rng.next()).collect();
            let ds = Dataset::unlabeled(4, &x, None).unwrap();
            let p = m.predict(&ds).unwrap();
            assert_eq!(p, m.predict_raw(&x).unwrap());
            assert_eq!((p.rows(), p.outputs()), (rows, 3));
            for i in 0..rows {
                let s: f32 = p.row(i).iter().sum();
                assert!((s - 1.0).abs() < 1e-5, "{kind}: row {i} sums to {s}");
            }
            let mut out = vec![0.0; rows * 3];
            m.predict_into(&ds, &mut out).unwrap();
            assert_eq!(out, p.values());
            assert_eq!(p.clone().into_vec(), out);
            let mut short = vec![0.0; rows * 3 - 1];
            assert_eq!(
                m.predict_into(&ds, &mut short).unwrap_err().kind(),
                ErrorKind::Invalid
            );
        }
        assert_eq!(
            m.predict_raw(&[1.0; 7]).unwrap_err().kind(),
            ErrorKind::Invalid
        );
        assert_eq!(
            m.predict_raw(&[1.0, 2.0, f32::NAN, 0.0])
                .unwrap_err()
                .kind(),
            ErrorKind::Invalid
        );
        let three = Dataset::unlabeled(3, &[1.0; 6], None).unwrap();
        assert_eq!(m.predict(&three).unwrap_err().kind(), ErrorKind::Invalid);
    }
}

/// A trained model predicts from several threads at once, each getting
/// what one thread gets.
#[test]
fn predicts_from_several_threads() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut m = Model::create("mlp", "layers=4-16-3 seed=1").unwrap();
    m.train(&train, "epochs=3").unwrap();
    let expected = m.predict(&train).unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..20 {
                    assert_eq!(m.predict(&train).unwrap(), expected);
                }
            });
        }
    });
}

#[test]
fn training_is_deterministic_and_reported() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut a = Model::create("mlp", "layers=4-8-3 seed=1").unwrap();
    let mut b = Model::create("mlp", "layers=4-8-3 seed=1").unwrap();
    assert!(a.train_report().is_none());
    let loss_before = a.loss(&train).unwrap();
    a.train(&train, "epochs=4 batch=20 lr=0.1").unwrap();
    b.train(&train, "epochs=4 batch=20 lr=0.1").unwrap();
    assert_eq!(a.digest().unwrap(), b.digest().unwrap());
    assert!(a.loss(&train).unwrap() < loss_before);
    let report = a.train_report().unwrap();
    assert_eq!(report["steps"], 4.0 * 6.0); // 120 rows in batches of 20
    assert_eq!(report["epochs"], 4.0);
    assert!(report["seconds"] >= 0.0 && report["final_loss"].is_finite());
    let err = a.train(&train, "epochs=0").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Param);
    assert!(err.message.contains("epochs"), "{err}");
    assert_eq!(a.train_report().unwrap(), report); // a failed call keeps it
}

/// Cancel at step k of training, for several k: Canceled, parameters,
/// digest and report unchanged; a panic in the closure is Internal and
/// also changes nothing.
#[test]
fn training_progress_and_cancel() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut m = Model::create("linear", "inputs=4 outputs=3 seed=6").unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    m.set_progress(move |f, stage| {
        log.lock().unwrap().push((f, stage.to_string()));
        ControlFlow::Continue(())
    })
    .unwrap();
    m.train(&train, "epochs=2 batch=30").unwrap();
    let reports = seen.lock().unwrap().clone();
    assert!(reports.len() >= 8, "{reports:?}");
    assert!(reports
        .iter()
        .all(|(f, s)| (0.0..=1.0).contains(f) && s == "train"));
    assert!(reports.windows(2).all(|w| w[0].0 <= w[1].0));
    let trained_report = m.train_report().unwrap();

    for k in [0, 1, reports.len() / 2, reports.len() - 2] {
        let digest = m.digest().unwrap();
        let params = m.get_params().unwrap();
        let mut calls = 0;
        m.set_progress(move |_, _| {
            calls += 1;
            if calls > k {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        let err = m.train(&train, "epochs=2 batch=30").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Canceled, "at {k}: {err}");
        assert_eq!(m.digest().unwrap(), digest);
        assert_eq!(m.get_params().unwrap(), params);
        assert_eq!(m.train_report().unwrap(), trained_report);
    }
    let digest = m.digest().unwrap();
    m.set_progress(|_, _| panic!("no progress today")).unwrap();
    let err = m.train(&train, "epochs=1").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(err.message.contains("no progress today"), "{err}");
    assert_eq!(m.digest().unwrap(), digest);
    m.clear_progress();
    m.train(&train, "epochs=1").unwrap();
    assert_ne!(m.digest().unwrap(), digest);
}

#[test]
fn trunk_of_a_trained_mlp() {
    let _lib = Library::init().unwrap();
    let train = data();
    let mut mlp = Model::create("mlp", "layers=4-12-3 seed=2").unwrap();
    mlp.train(&train, "epochs=5 lr=0.1").unwrap();
    let mut trunk = Model::create_trunk(&mlp, "gamma=0.5").unwrap();
    assert_eq!(trunk.kind(), "analytic");
    assert_eq!((trunk.inputs(), trunk.outputs()), (4, 3));
    assert!(
        trunk.params_string().contains("gamma=0.5"),
        "{}",
        trunk.params_string()
    );
    trunk.train(&train, "").unwrap();
    assert!(trunk.accuracy(&train).unwrap() > 0.8);
    let linear = Model::create("linear", "inputs=4 outputs=3").unwrap();
    assert_eq!(
        Model::create_trunk(&linear, "").unwrap_err().kind(),
        ErrorKind::Invalid
    );
}

#[test]
fn regression_models() {
    let _lib = Library::init().unwrap();
    let mut rng = Rng::new(12);
    let x: Vec<f32> = (0..200).map(|_| rng.next()).collect();
    let y: Vec<f32> = x
        .chunks(2)
        .flat_map(|r| [r[0] + 2.0 * r[1], r[0] - r[1]])
        .collect();
    let data = Dataset::regression(2, &x, 2, &y, None).unwrap();
    let mut m = Model::create("linear", "inputs=2 outputs=2 task=regression").unwrap();
    assert_eq!(m.task(), Some(Task::Regression));
    let before = m.loss(&data).unwrap();
    m.train(&data, "epochs=40 lr=0.1 batch=10").unwrap();
    let after = m.loss(&data).unwrap();
    assert!(after < before / 100.0, "{before} -> {after}");
    // predictions are the values themselves, close to the targets
    let p = m.predict(&data).unwrap();
    assert!(common::close(p.values(), &y, 0.05));
}
