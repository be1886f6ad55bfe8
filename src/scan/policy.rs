//! Which imported globals a pickle may use.
//!
//! Allowlist semantics: the globals that a plain PyTorch state dict, a NumPy array or a Python
//! container needs are [`Verdict::Safe`]; known code-execution primitives are
//! [`Verdict::Dangerous`] (CRITICAL); everything else is [`Verdict::Unknown`] (MEDIUM), because
//! importing an arbitrary callable and calling it with attacker-chosen arguments is how every
//! pickle exploit works. ModelScan and picklescan use a denylist instead, which is why
//! `pip.main`, `pydoc.locate`, `timeit.timeit` and friends slip past them.

/// What the policy says about one `module.name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Needed by benign state dicts, arrays and containers.
    Safe,
    /// A known way to run code, import modules, touch files or the network.
    Dangerous(&'static str),
    /// Not known to be safe.
    Unknown,
}

/// Exact `module.name` pairs that benign files need.
const SAFE: &[&str] = &[
    // Python containers and scalars
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.Counter",
    "collections.deque",
    "builtins.set",
    "builtins.frozenset",
    "builtins.bytearray",
    "builtins.slice",
    "builtins.complex",
    "builtins.range",
    "builtins.object",
    "__builtin__.set",
    "__builtin__.frozenset",
    "__builtin__.bytearray",
    "__builtin__.slice",
    "__builtin__.complex",
    "__builtin__.object",
    "copy_reg._reconstructor",
    "copyreg._reconstructor",
    "_codecs.encode",
    "datetime.datetime",
    "datetime.date",
    "datetime.timedelta",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    // NumPy arrays, dtypes and scalars (numpy 1 and 2 module paths)
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.ma.core._mareconstruct",
    // PyTorch tensors, parameters and storages
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._tensor._rebuild_from_type_v2",
    "torch.nn.parameter.Parameter",
    "torch.Size",
    "torch.device",
    "torch.dtype",
    "torch.memory_format",
    "torch.layout",
    "torch.storage.UntypedStorage",
    "torch.storage.TypedStorage",
    "torch.serialization._get_layout",
    // joblib's array wrapper (its arrays follow inline)
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "sklearn.utils._bunch.Bunch",
];

/// torch storage classes (`torch.FloatStorage`, ...) and dtypes (`torch.float32`, ...).
fn torch_type(name: &str) -> bool {
    const STORAGES: &[&str] = &[
        "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
        "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage", "ComplexFloatStorage",
        "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage", "UntypedStorage",
    ];
    const DTYPES: &[&str] = &[
        "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long", "int32", "int",
        "int16", "short", "int8", "uint8", "bool", "complex64", "complex128", "qint8", "quint8", "qint32",
        "float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "uint64", "contiguous_format", "channels_last",
        "preserve_format", "strided", "sparse_coo",
    ];
    STORAGES.contains(&name) || DTYPES.contains(&name)
}

/// Modules whose every attribute is a code-execution, import, file or network primitive.
const DANGEROUS_MODULES: &[(&str, &str)] = &[
    ("os", "runs shell commands and touches files"),
    ("posix", "runs shell commands (os on Unix)"),
    ("nt", "runs shell commands (os on Windows)"),
    ("subprocess", "runs programs"),
    ("commands", "runs shell commands"),
    ("pty", "spawns a shell"),
    ("runpy", "runs Python modules and scripts"),
    ("importlib", "imports arbitrary modules"),
    ("imp", "imports arbitrary modules"),
    ("pkgutil", "imports arbitrary modules"),
    ("zipimport", "imports code from archives"),
    ("pip", "installs and runs packages"),
    ("setuptools", "builds and runs packages"),
    ("pydoc", "pydoc.locate imports any object by name"),
    ("timeit", "timeit executes a code string"),
    ("cProfile", "cProfile.run executes a code string"),
    ("profile", "profile.run executes a code string"),
    ("trace", "runs code under tracing"),
    ("pdb", "runs code in the debugger"),
    ("bdb", "runs code in the debugger"),
    ("code", "code.interact / InteractiveInterpreter run code"),
    ("codeop", "compiles code"),
    ("ctypes", "loads native libraries and calls C functions"),
    ("_ctypes", "loads native libraries"),
    ("cffi", "loads native libraries"),
    ("socket", "opens network connections"),
    ("ssl", "opens network connections"),
    ("http", "makes HTTP requests"),
    ("urllib", "makes network requests"),
    ("urllib2", "makes network requests"),
    ("requests", "makes network requests"),
    ("httplib", "makes network requests"),
    ("ftplib", "makes network requests"),
    ("smtplib", "sends mail"),
    ("telnetlib", "opens network connections"),
    ("webbrowser", "opens URLs"),
    ("shutil", "copies, moves and deletes files"),
    ("tempfile", "creates files"),
    ("glob", "lists files"),
    ("pathlib", "reads and writes files"),
    ("io", "opens files"),
    ("_io", "opens files"),
    ("fileinput", "reads files"),
    ("asyncio", "runs subprocesses and network code"),
    ("multiprocessing", "starts processes"),
    ("threading", "starts threads running callables"),
    ("_thread", "starts threads running callables"),
    ("signal", "installs signal handlers"),
    ("sys", "reaches the interpreter's modules and state"),
    ("pickle", "unpickles nested payloads"),
    ("_pickle", "unpickles nested payloads"),
    ("cPickle", "unpickles nested payloads"),
    ("dill", "unpickles nested payloads"),
    ("cloudpickle", "unpickles nested payloads"),
    ("shelve", "unpickles nested payloads"),
    ("marshal", "loads code objects"),
    ("types", "builds functions and code objects"),
    ("functools", "functools.partial/reduce chain calls"),
    ("operator", "attrgetter/methodcaller/itemgetter reach any attribute"),
    ("inspect", "reaches frames and code"),
    ("gc", "reaches every live object"),
    ("weakref", "reaches live objects"),
    ("ast", "compiles code"),
    ("yaml", "yaml.load can construct arbitrary objects"),
    ("jinja2", "renders templates that run code"),
    ("venv", "creates environments and runs pip"),
    ("ensurepip", "runs pip"),
    ("distutils", "builds and runs packages"),
    ("platform", "runs shell commands (platform.popen)"),
    ("sqlite3", "opens files and loads extensions"),
    ("xmlrpc", "makes network requests"),
    ("nturl2path", "file-path tricks"),
];

/// Names in `builtins` that run code, import, or reach arbitrary attributes or files.
const DANGEROUS_BUILTINS: &[&str] = &[
    "eval", "exec", "execfile", "compile", "getattr", "setattr", "delattr", "__import__", "open", "input",
    "breakpoint", "globals", "locals", "vars", "help", "reload", "file", "apply", "memoryview", "type", "super",
    "classmethod", "staticmethod", "property", "dir",
];

/// Individual callables in otherwise-unknown modules that load or run code.
const DANGEROUS_NAMES: &[(&str, &str)] = &[
    ("numpy.load", "loads pickles from other files"),
    ("numpy.loads", "unpickles a payload"),
    ("numpy.lib.npyio.load", "loads pickles from other files"),
    ("numpy.testing._private.utils.runstring", "executes a code string"),
    ("numpy.f2py", "compiles and imports code"),
    ("numpy.distutils", "builds code"),
    ("torch.load", "unpickles another file"),
    ("torch.hub.load", "downloads and runs code"),
    ("torch.hub", "downloads and runs code"),
    ("torch.jit.load", "loads TorchScript code"),
    ("torch.package", "imports packaged code"),
    ("torch.serialization.load", "unpickles another file"),
    ("torch._dynamo", "compiles code"),
    ("torch.utils.cpp_extension", "compiles and loads native code"),
    ("joblib.load", "unpickles another file"),
    ("pandas.read_pickle", "unpickles another file"),
    ("pandas.io.pickle", "unpickles another file"),
    ("keras.models.load_model", "loads another model"),
    ("tensorflow.io", "reads and writes files"),
    ("tensorflow.keras.models.load_model", "loads another model"),
    ("scipy.io.loadmat", "reads files"),
    ("IPython", "runs code"),
];

/// Classify `module` + `name` (the name may be dotted: `dict.get`, `prod.a`).
pub fn classify(module: &str, name: &str) -> Verdict {
    let full = format!("{module}.{name}");
    // Dunder attributes reach interpreter internals (`numpy.__builtins__`, `x.__class__`).
    if module.split('.').chain(name.split('.')).any(|p| p.starts_with("__") && p.ends_with("__") && p.len() > 4) {
        return Verdict::Dangerous("reaches interpreter internals through a dunder attribute");
    }
    let root = module.split('.').next().unwrap_or(module);
    if root == "builtins" || root == "__builtin__" || root == "exceptions" {
        let first = name.split('.').next().unwrap_or(name);
        if DANGEROUS_BUILTINS.contains(&first) {
            return Verdict::Dangerous("a builtin that runs code, imports modules or reaches any attribute or file");
        }
        if !name.contains('.') && SAFE.contains(&full.as_str()) {
            return Verdict::Safe;
        }
        if name.contains('.') {
            // `builtins.dict.get` and friends: attribute access into builtin types.
            return Verdict::Dangerous("reaches methods of builtin types (e.g. dict.get on a module's __builtins__)");
        }
        return Verdict::Unknown;
    }
    for (m, why) in DANGEROUS_MODULES {
        if root == *m || module == *m || module.starts_with(&format!("{m}.")) {
            return Verdict::Dangerous(if why.is_empty() { "runs code" } else { why });
        }
    }
    for (n, why) in DANGEROUS_NAMES {
        if full == *n || full.starts_with(&format!("{n}.")) {
            return Verdict::Dangerous(why);
        }
    }
    if name.contains('.') {
        return Verdict::Unknown; // attribute traversal on an unknown object: never safe
    }
    if SAFE.contains(&full.as_str()) || (module == "torch" && torch_type(name)) {
        return Verdict::Safe;
    }
    Verdict::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_denylist_and_unknown() {
        assert_eq!(classify("torch._utils", "_rebuild_tensor_v2"), Verdict::Safe);
        assert_eq!(classify("collections", "OrderedDict"), Verdict::Safe);
        assert_eq!(classify("torch", "FloatStorage"), Verdict::Safe);
        assert_eq!(classify("numpy.core.multiarray", "_reconstruct"), Verdict::Safe);
        for (m, n) in [
            ("os", "system"), ("posix", "system"), ("builtins", "eval"), ("__builtin__", "exec"),
            ("pip", "main"), ("pydoc", "locate"), ("timeit", "timeit"), ("cProfile", "run"),
            ("ctypes", "CDLL"), ("importlib", "import_module"), ("code", "interact"),
            ("builtins", "dict.get"), ("numpy", "__builtins__"), ("functools", "partial"),
            ("subprocess", "Popen"), ("runpy", "run_path"), ("torch", "load"), ("builtins", "getattr"),
        ] {
            assert!(matches!(classify(m, n), Verdict::Dangerous(_)), "{m}.{n}");
        }
        assert_eq!(classify("numpy", "prod"), Verdict::Unknown);
        assert_eq!(classify("numpy", "prod.a"), Verdict::Unknown);
        assert_eq!(classify("mypackage.layers", "Custom"), Verdict::Unknown);
        assert_eq!(classify("torch", "nn.Module"), Verdict::Unknown);
    }
}
