//! Parameter tables: what each method, model kind and the training take,
//! read through the [`Library`] guard (the registry lives while it does).
use std::os::raw::c_char;
use std::ptr;

use crate::error::{check, Error, ErrorKind, Result};
use crate::ffi::{cstring, opt_text, text};
use crate::library::Library;
use crate::sys;

/// The type of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamType {
    /// A 64-bit signed integer.
    Int,
    /// A finite double.
    Double,
    /// true/false, 1/0, yes/no, on/off.
    Bool,
    /// One of [`ParamDef::choices`].
    Enum,
    /// Any text.
    String,
    /// A type this crate does not know (its `FORGET_PARAM_*` number).
    Other(i32),
}

/// One declared parameter (a copy of the C library's `forget_param_def`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    /// The key, `[a-z0-9_]+`.
    pub name: String,
    /// The value's type.
    pub kind: ParamType,
    /// The default in text form; `None` = the key is required.
    pub default: Option<String>,
    /// Int and Double: the inclusive range, if there is one.
    pub range: Option<(f64, f64)>,
    /// Enum: the allowed values.
    pub choices: Vec<String>,
    /// One line of English.
    pub doc: String,
}

impl ParamDef {
    /// # Safety
    /// `def` must point to a valid `forget_param_def`.
    unsafe fn from_c(def: *const sys::forget_param_def) -> ParamDef {
        let d = &*def;
        let kind = match d.type_ {
            sys::FORGET_PARAM_INT => ParamType::Int,
            sys::FORGET_PARAM_DOUBLE => ParamType::Double,
            sys::FORGET_PARAM_BOOL => ParamType::Bool,
            sys::FORGET_PARAM_ENUM => ParamType::Enum,
            sys::FORGET_PARAM_STRING => ParamType::String,
            other => ParamType::Other(other),
        };
        let choices = opt_text(d.choices)
            .map(|c| c.split('|').map(str::to_string).collect())
            .unwrap_or_default();
        ParamDef {
            name: text(d.name),
            kind,
            default: opt_text(d.default_value),
            range: (d.min <= d.max).then_some((d.min, d.max)),
            choices,
            doc: text(d.doc),
        }
    }
}

/// A registered unlearning method.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodInfo {
    /// Its name ("ssd", "analytic", "sisa", ...).
    pub name: String,
    /// One line of English.
    pub description: String,
    /// `FORGET_METHOD_EXACT`: the result equals a retrain without the rows.
    pub exact: bool,
    /// `FORGET_METHOD_NEEDS_RETAINED`: forget needs the retained data.
    pub needs_retained: bool,
    /// `FORGET_METHOD_NO_MODEL`: may be created without a model.
    pub no_model: bool,
    /// The parameter table, in declaration order.
    pub params: Vec<ParamDef>,
}

/// A model kind ("linear", "mlp", "analytic", ...) and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelKindInfo {
    /// The kind's name, as [`Model::create`](crate::Model::create) takes it.
    pub name: String,
    /// Its creation parameters.
    pub params: Vec<ParamDef>,
}

/// Read a table through a count and an indexed getter.
fn table(
    count: usize,
    mut get: impl FnMut(usize, &mut *const sys::forget_param_def) -> i32,
) -> Result<Vec<ParamDef>> {
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut def = ptr::null();
        check(get(i, &mut def))?;
        if def.is_null() {
            return Err(Error::new(
                ErrorKind::Internal,
                "a NULL parameter definition",
            ));
        }
        // SAFETY: the library gave a valid definition, alive while the
        // registry is (the &Library borrow holds it).
        out.push(unsafe { ParamDef::from_c(def) });
    }
    Ok(out)
}

impl Library {
    /// Every registered method, in registration order, with its
    /// description, flags and parameter table.
    ///
    /// ```
    /// let lib = forget::Library::init()?;
    /// let sisa = lib.methods()?.into_iter().find(|m| m.name == "sisa").unwrap();
    /// assert!(sisa.exact);
    /// assert!(sisa.params.iter().any(|p| p.name == "shards"));
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn methods(&self) -> Result<Vec<MethodInfo>> {
        // SAFETY: plain getters; names live while the registry does.
        let count = unsafe { sys::forget_method_count() };
        let mut names = Vec::with_capacity(count);
        for i in 0..count {
            let name = unsafe { sys::forget_method_name(i) };
            if !name.is_null() {
                names.push(unsafe { text(name) });
            }
        }
        names.iter().map(|n| self.method(n)).collect()
    }

    /// One method by name ([`ErrorKind::NotFound`] naming the registered
    /// ones if it is not).
    pub fn method(&self, name: &str) -> Result<MethodInfo> {
        let c = cstring(name)?;
        let (mut description, mut flags): (*const c_char, u32) = (ptr::null(), 0);
        // SAFETY: valid string and outputs.
        check(unsafe { sys::forget_method_describe(c.as_ptr(), &mut description, &mut flags) })?;
        let mut count = 0usize;
        check(unsafe { sys::forget_method_param_count(c.as_ptr(), &mut count) })?;
        let params = table(count, |i, def| unsafe {
            sys::forget_method_param(c.as_ptr(), i, def)
        })?;
        let has = |flag: i32| flags & flag as u32 != 0;
        Ok(MethodInfo {
            name: name.to_string(),
            // SAFETY: the registry's string.
            description: unsafe { text(description) },
            exact: has(sys::FORGET_METHOD_EXACT),
            needs_retained: has(sys::FORGET_METHOD_NEEDS_RETAINED),
            no_model: has(sys::FORGET_METHOD_NO_MODEL),
            params,
        })
    }

    /// The model kinds [`Model::create`](crate::Model::create) knows, with
    /// their parameter tables.
    ///
    /// ```
    /// let lib = forget::Library::init()?;
    /// let kinds = lib.model_kinds()?;
    /// let mlp = kinds.iter().find(|k| k.name == "mlp").unwrap();
    /// assert!(mlp.params.iter().any(|p| p.name == "layers"));
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn model_kinds(&self) -> Result<Vec<ModelKindInfo>> {
        // SAFETY: plain getters over static tables.
        let count = unsafe { sys::forget_model_kind_count() };
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let name = unsafe { sys::forget_model_kind_name(i) };
            if name.is_null() {
                continue;
            }
            let name = unsafe { text(name) };
            let c = cstring(&name)?;
            let mut n = 0usize;
            check(unsafe { sys::forget_model_kind_param_count(c.as_ptr(), &mut n) })?;
            let params = table(n, |j, def| unsafe {
                sys::forget_model_kind_param(c.as_ptr(), j, def)
            })?;
            out.push(ModelKindInfo { name, params });
        }
        Ok(out)
    }

    /// The training parameters of [`Model::train`](crate::Model::train)
    /// ("optimizer", "lr", "epochs", ...).
    ///
    /// ```
    /// let lib = forget::Library::init()?;
    /// let epochs = lib.train_params()?.into_iter().find(|p| p.name == "epochs").unwrap();
    /// assert_eq!(epochs.kind, forget::ParamType::Int);
    /// # Ok::<(), forget::Error>(())
    /// ```
    pub fn train_params(&self) -> Result<Vec<ParamDef>> {
        // SAFETY: a static table.
        let count = unsafe { sys::forget_train_param_count() };
        table(count, |i, def| unsafe { sys::forget_train_param(i, def) })
    }
}
