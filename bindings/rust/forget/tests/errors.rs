//! Errors: the kind of every code, the message, std::error::Error.
use forget::{sys, Dataset, Error, ErrorKind, Library, Model, Unlearner};

#[test]
fn every_code_has_its_kind() {
    let kinds = [
        (sys::FORGET_E_INVALID, ErrorKind::Invalid),
        (sys::FORGET_E_NOMEM, ErrorKind::NoMem),
        (sys::FORGET_E_IO, ErrorKind::Io),
        (sys::FORGET_E_FORMAT, ErrorKind::Format),
        (sys::FORGET_E_NOT_FOUND, ErrorKind::NotFound),
        (sys::FORGET_E_EXISTS, ErrorKind::Exists),
        (sys::FORGET_E_VERSION, ErrorKind::Version),
        (sys::FORGET_E_NUMERIC, ErrorKind::Numeric),
        (sys::FORGET_E_CANCELED, ErrorKind::Canceled),
        (sys::FORGET_E_UNSUPPORTED, ErrorKind::Unsupported),
        (sys::FORGET_E_STATE, ErrorKind::State),
        (sys::FORGET_E_PARAM, ErrorKind::Param),
        (sys::FORGET_E_INTERNAL, ErrorKind::Internal),
    ];
    for (code, kind) in kinds {
        assert_eq!(ErrorKind::from_code(code), kind);
        assert_eq!(kind.code(), code);
        let e = Error::new(kind, "detail");
        assert_eq!((e.code, e.kind()), (code, kind));
        // the code's text from the library, then the detail
        let text = unsafe { std::ffi::CStr::from_ptr(sys::forget_strerror(code)) };
        assert_eq!(e.message, format!("{}: detail", text.to_str().unwrap()));
        assert!(e.to_string().contains(&code.to_string()));
    }
    for code in [-14, -100, 0, 5] {
        assert_eq!(ErrorKind::from_code(code), ErrorKind::Other(code));
        assert_eq!(ErrorKind::Other(code).code(), code);
    }
}

fn uses_question_mark() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let _lib = Library::init()?;
    Model::create("mlp", "layers=2-2 nonsense=1")?;
    Ok(())
}

/// The kind and detail of failures from each area.
#[test]
fn failures_carry_kind_and_detail() {
    let err = uses_question_mark().unwrap_err();
    let err = err.downcast::<Error>().unwrap();
    assert_eq!(err.kind(), ErrorKind::Param);
    assert!(err.message.contains("nonsense"), "{err}");

    let _lib = Library::init().unwrap();
    let data = Dataset::new(&[0.0, 1.0, 1.0, 0.0], &[0, 1], Some(&[5, 6])).unwrap();
    let mut model = Model::create("linear", "inputs=2 outputs=2").unwrap();
    let cases: Vec<(forget::Result<()>, ErrorKind, &str)> = vec![
        (
            Unlearner::create("ssd", &mut model, "alpah=2").map(drop),
            ErrorKind::Param,
            "alpah",
        ),
        (
            Unlearner::create("nope", &mut model, "").map(drop),
            ErrorKind::NotFound,
            "nope",
        ),
        (data.subset_ids(&[7]).map(drop), ErrorKind::NotFound, "7"),
        (
            Model::load("/nonexistent/dir/m.fgm").map(drop),
            ErrorKind::Io,
            "/nonexistent/dir/m.fgm",
        ),
        (
            Model::load_buffer(b"definitely not a model").map(drop),
            ErrorKind::Format,
            "",
        ),
        (
            Unlearner::create("analytic", &mut model, "").map(drop),
            ErrorKind::Invalid,
            "analytic",
        ),
    ];
    for (result, kind, detail) in cases {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        assert!(err.message.contains(detail), "{err}");
        assert!(err.code < 0);
    }
    let mut u = Unlearner::create("ssd", &mut model, "").unwrap();
    let err = u.forget(&data).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::State, "{err}");
}
