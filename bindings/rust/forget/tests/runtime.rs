//! The library's lifetime, version, BLAS, threads, limits, and the method,
//! model-kind and training parameter tables. (Its own test binary: the
//! thread and limit settings are process-wide.)
mod common;

use common::TempPath;
use forget::{sys, Dataset, ErrorKind, Library, Limit, Model, ParamType};

#[test]
fn version_matches_header() {
    let (major, minor, patch) = (
        sys::FORGET_VERSION_MAJOR,
        sys::FORGET_VERSION_MINOR,
        sys::FORGET_VERSION_PATCH,
    );
    assert_eq!(
        forget::version_number(),
        (major * 10000 + minor * 100 + patch) as u32
    );
    assert_eq!(forget::version_string(), format!("{major}.{minor}.{patch}"));
    let info = forget::blas_info();
    assert!(
        ["OpenBLAS", "MKL", "BLIS", "reference BLAS"]
            .iter()
            .any(|b| info.contains(b)),
        "{info}"
    );
}

#[test]
fn threads_and_limits() {
    for n in [1u32, 3, 1024] {
        forget::set_threads(n).unwrap();
        assert_eq!(forget::threads(), n);
    }
    let err = forget::set_threads(1025).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert_eq!(forget::threads(), 1024); // unchanged by the refusal
    forget::set_threads(0).unwrap();
    assert!(forget::threads() >= 1);

    let defaults: Vec<u64> = [Limit::MaxBytes, Limit::MaxRows, Limit::MaxFeatures]
        .iter()
        .map(|l| forget::limit(*l).unwrap())
        .collect();
    assert_eq!(defaults, vec![2 << 30, 1 << 31, 1 << 24]);

    let _lib = Library::init().unwrap();
    let file = TempPath::new("limits.csv");
    std::fs::write(&file.0, "0,1,2,3,4\n1,3,4,5,6\n0,5,6,7,8\n").unwrap();
    assert_eq!(Dataset::load_csv(&file.0, "").unwrap().rows(), 3);
    for (limit, value) in [
        (Limit::MaxRows, 2),
        (Limit::MaxFeatures, 1),
        (Limit::MaxBytes, 8),
    ] {
        forget::set_limit(limit, value).unwrap();
        assert_eq!(forget::limit(limit).unwrap(), value);
        let err = Dataset::load_csv(&file.0, "").expect_err(&format!("{limit:?}"));
        assert_eq!(err.kind(), ErrorKind::NoMem, "{limit:?}: {err}");
        assert!(err.message.contains("limit"), "{err}");
        forget::set_limit(limit, 0).unwrap();
        assert_eq!(Dataset::load_csv(&file.0, "").unwrap().rows(), 3);
    }
    let after: Vec<u64> = [Limit::MaxBytes, Limit::MaxRows, Limit::MaxFeatures]
        .iter()
        .map(|l| forget::limit(*l).unwrap())
        .collect();
    assert_eq!(after, defaults);
}

#[test]
fn method_tables() {
    let lib = Library::init().unwrap();
    let methods = lib.methods().unwrap();
    let names: Vec<&str> = methods.iter().map(|m| m.name.as_str()).collect();
    for m in ["ssd", "analytic", "sisa"] {
        assert!(names.contains(&m), "{names:?}");
    }
    for m in &methods {
        assert!(!m.description.is_empty());
        assert_eq!(&lib.method(&m.name).unwrap(), m);
        for p in &m.params {
            assert!(!p.name.is_empty() && !p.doc.is_empty(), "{p:?}");
            assert_eq!(p.kind == ParamType::Enum, !p.choices.is_empty(), "{p:?}");
            if let (Some((lo, hi)), Some(default)) = (p.range, &p.default) {
                let v: f64 = default.parse().unwrap();
                assert!(lo <= v && v <= hi, "{p:?}");
            }
            if let (ParamType::Enum, Some(default)) = (p.kind, &p.default) {
                assert!(p.choices.contains(default), "{p:?}");
            }
        }
    }
    let sisa = lib.method("sisa").unwrap();
    assert!(sisa.exact && !sisa.no_model);
    assert!(!lib.method("ssd").unwrap().exact);
    let ssd = lib.method("ssd").unwrap();
    let importance = ssd.params.iter().find(|p| p.name == "importance").unwrap();
    assert_eq!(importance.choices, vec!["sample", "batch"]);
    let alpha = ssd.params.iter().find(|p| p.name == "alpha").unwrap();
    assert_eq!(alpha.kind, ParamType::Double);
    let err = lib.method("nope").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.message.contains("sisa"),
        "names the registered ones: {err}"
    );
}

/// Every key of a kind's table appears in its models' canonical
/// parameters; the training table has its keys.
#[test]
fn kind_and_training_tables() {
    let lib = Library::init().unwrap();
    let kinds = lib.model_kinds().unwrap();
    for k in ["linear", "mlp", "analytic"] {
        assert!(kinds.iter().any(|i| i.name == k), "{kinds:?}");
    }
    for kind in kinds
        .iter()
        .filter(|k| ["linear", "mlp", "analytic"].contains(&k.name.as_str()))
    {
        let params = if kind.name == "mlp" {
            "layers=3-4-2"
        } else {
            "inputs=3 outputs=2"
        };
        let m = Model::create(&kind.name, params).unwrap();
        for p in &kind.params {
            assert!(
                m.params_string().contains(&format!("{}=", p.name)),
                "{} lacks {}",
                m.params_string(),
                p.name
            );
        }
    }
    let train = lib.train_params().unwrap();
    for key in ["optimizer", "lr", "epochs", "batch", "seed"] {
        assert!(train.iter().any(|p| p.name == key), "{key}");
    }
    let epochs = train.iter().find(|p| p.name == "epochs").unwrap();
    assert_eq!(
        (epochs.kind, epochs.default.as_deref()),
        (ParamType::Int, Some("5"))
    );
}

#[test]
fn guards_count() {
    let a = Library::init().unwrap();
    let b = a.clone();
    drop(a);
    // still initialised through b
    assert!(Model::create("linear", "inputs=1 outputs=2").is_ok());
    drop(b);
}
