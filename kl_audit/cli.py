"""The ``kl-audit`` command: audit (default), reproduce, derive, encodings, check, monitor-plot."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]

COMMANDS = ("audit", "reproduce", "derive", "encodings", "check", "monitor-plot")


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr and exit status 2; every --help shows the defaults."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # noqa: D401
        self.exit(2, f"{self.prog}: error: {message}\n")


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C, so temporary folders are removed."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame):
    raise Terminated(signum)


def _memory_bytes(option_bytes: dict[str, int]) -> None:
    """Refuse options whose work needs more memory than is available, naming the largest."""
    from .memory import available_memory, format_bytes

    have = available_memory()
    option, need = max(option_bytes.items(), key=lambda kv: kv[1])
    if sum(option_bytes.values()) > have:
        raise ValueError(f"{option} asks for about {format_bytes(sum(option_bytes.values()))} of memory "
                         f"({format_bytes(have)} available); choose a smaller {option}")


def _require_files(files: Sequence[Path], weights: Path | None) -> None:
    """Missing inputs, answered before the heavy imports."""
    for f in files:
        if not f.exists():
            raise ValueError(f"no such file: {str(f)!r}")
        if f.is_dir():
            raise ValueError(f"{str(f)!r} is a folder, not a file")
    if weights is not None and not Path(weights).is_file():
        raise ValueError(f"--weights: no such file: {str(weights)!r}")


def _positive_int(least: int) -> callable:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be >= {least}, got {value}")
        return value

    parse.__name__ = f"integer >= {least}"
    return parse


def _int_list(least: int) -> callable:
    one = _positive_int(least)

    def parse(text: str) -> tuple[int, ...]:
        return tuple(one(part) for part in text.split(","))

    parse.__name__ = "comma-separated integers"
    return parse


def _bar(enabled: bool):
    """A factory of tqdm progress callbacks (``label, total -> advance``)."""
    from tqdm.auto import tqdm

    bars = []

    def make(label: str, total: int):
        # disable=None: bars only on a terminal, so logs and errors stay clean
        bar = tqdm(total=total, desc=label, unit="trial", disable=None if enabled else True, leave=False,
                   file=sys.stderr)
        bars.append(bar)
        return bar.update

    make.close = lambda: [b.close() for b in bars]
    return make


def _torch_device(text: str) -> str:
    """A torch device that is there (``--device``); a clear error naming it otherwise."""
    try:
        import torch
    except ImportError:
        raise argparse.ArgumentTypeError(f"device {text!r} needs torch: pip install 'vae-kl-audit[torch]'") from None
    try:
        dev = torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a torch device (cpu, cuda, cuda:1, mps)") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(f"device {text!r} is not available: torch {torch.__version__} sees no CUDA GPU")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise argparse.ArgumentTypeError(f"device {text!r} is not available: torch sees {torch.cuda.device_count()} GPU(s)")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise argparse.ArgumentTypeError(f"device {text!r} is not available on this machine")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise argparse.ArgumentTypeError(f"device {text!r} is not supported: use cpu, cuda or mps")
    return str(dev)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("vae-kl-audit")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kl-audit", description="Audit the claim of kl_vae_convexity.m: does the VAE's average KL "
                     "bound KL(aggregate posterior || prior)? With no command, runs the audit.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    audit = sub.add_parser("audit", help="the full audit and its report (the default)")
    audit.add_argument("-o", "--output", type=Path, default=Path("kl-audit-report"), help="report folder")
    audit.add_argument("--force", action="store_true",
                       help="write into an existing folder that is not a report (its own files are kept)")
    audit.add_argument("--d", type=_positive_int(1), default=1, help="dimensions (script: 1)")
    audit.add_argument("--n", type=_positive_int(1), default=2, help="components (script: 2)")
    audit.add_argument("--k", type=_positive_int(2), default=100, help="samples per component (script: 100)")
    audit.add_argument("--iterations", type=_positive_int(1), default=200, help="the script's own iterations (200)")
    audit.add_argument("--trials", type=_positive_int(1), default=20_000, help="seeded trials for the statistics")
    audit.add_argument("--sweep-trials", type=_positive_int(1), default=4_000, help="trials per sweep point")
    audit.add_argument("--k-sweep", type=_int_list(2), default=(2, 5, 10, 20, 50, 100, 200, 500, 1000))
    audit.add_argument("--d-sweep", type=_int_list(1), default=(1, 2, 4, 8, 16))
    audit.add_argument("--n-sweep", type=_int_list(1), default=(1, 2, 4, 8, 16))
    audit.add_argument("--mc-samples", type=_positive_int(2), default=4_000, help="Monte Carlo draws per trial when d > 1")
    audit.add_argument("--seed", type=_positive_int(0), default=0, help="seed of every random draw")
    audit.add_argument("--no-derivations", action="store_true", help="skip checking and writing the derivation")
    audit.add_argument("--quiet", action="store_true", help="no progress bars")

    rep = sub.add_parser("reproduce", help="the script alone, with its figure")
    rep.add_argument("--d", type=_positive_int(1), default=1)
    rep.add_argument("--n", type=_positive_int(1), default=2)
    rep.add_argument("--k", type=_positive_int(2), default=100)
    rep.add_argument("--iterations", type=_positive_int(1), default=200)
    rep.add_argument("--seed", type=_positive_int(0), default=0, help="seed of every random draw")
    rep.add_argument("-o", "--output", type=Path, default=Path("script_figure.png"), help="PNG path")

    der = sub.add_parser("derive", help="check the derivations; write them as LaTeX and Markdown")
    der.add_argument("-o", "--output", type=Path, default=Path("derivations.tex"), help=".tex path (a .md is written beside it)")
    der.add_argument("--pdf", action="store_true", help="compile the .tex with latexmk or pdflatex")
    enc = sub.add_parser("encodings", help="what a VAE's KL term is made of, from its encoder's outputs")
    enc.add_argument("files", nargs="*", type=Path,
                     help="one .npz (keys mean/mu and logvar/log_var/var/std), two .npy (means, spread) or one .csv")
    enc.add_argument("--spread", choices=("logvar", "var", "std"), help="what the spread array holds (.npy, .csv)")
    enc.add_argument("--weights", type=Path, help="per-example weights (.npy or .csv), summing to one")
    enc.add_argument("--example", choices=("digits",), help="use a built-in example instead of files")
    enc.add_argument("--latent", type=_positive_int(1), default=10, help="latent size of the example")
    enc.add_argument("--samples", type=_positive_int(2), default=20_000, help="Monte Carlo draws per estimate")
    enc.add_argument("--bound-rows", type=_positive_int(2), default=2048,
                     help="pairwise bounds use every row up to this N, else a weighted sample of this many rows")
    enc.add_argument("--seed", type=_positive_int(0), default=0, help="seed of every random draw")
    enc.add_argument("-o", "--output", type=Path, default=Path("kl-encodings-report"), help="report folder")
    enc.add_argument("--force", action="store_true",
                     help="write into an existing folder that is not a report (its own files are kept)")
    enc.add_argument("--quiet", action="store_true", help="no progress bars")
    enc.add_argument("--device", type=_torch_device, help="compute with torch on this device (cpu, cuda, cuda:1); "
                     "needs torch. Default: numpy on the CPU")

    mon = sub.add_parser("monitor-plot", help="plot a LatentMonitor log (JSON lines) over epochs")
    mon.add_argument("log", type=Path, help="the file given as LatentMonitor(log_to=...)")
    mon.add_argument("-o", "--output", type=Path, default=Path("monitor.png"), help="PNG path (default: %(default)s)")
    _add_check_parser(sub)
    return parser


def _add_check_parser(sub) -> None:
    chk = sub.add_parser("check", help="check a VAE's own KL function against the derived closed form",
                         description="Exit status: 0 the function is right, 1 it is wrong, 2 it cannot be checked.")
    chk.add_argument("target", help="PATH.py:FUNC or package.module:FUNC; FUNC(mu, spread) takes two (B, d) arrays")
    chk.add_argument("--spread", choices=("logvar", "var", "std", "logstd"), default="logvar",
                     help="what the second argument holds (default: %(default)s)")
    chk.add_argument("--backend", choices=("auto", "numpy", "torch"), default="auto",
                     help="numpy arrays or torch float64 tensors (auto: torch if numpy input fails)")
    def examples(text: str) -> int:
        value = _positive_int(1)(text)
        if value > 10_000:
            raise argparse.ArgumentTypeError(f"must be <= 10000, got {value}")
        return value

    examples.__name__ = "integer from 1 to 10000"
    chk.add_argument("--examples", type=examples, default=200,
                     help="generated inputs, at most 10000, besides 5 fixed ones (default: %(default)s)")
    chk.add_argument("--seed", type=_positive_int(0), help="seed of the generated inputs (default: derandomized)")
    chk.add_argument("--json", action="store_true", help="print the result as JSON")


def _check(args) -> int:
    import json

    from .check import check_kl, load_function, render_text

    fn, _ = load_function(args.target)
    result = check_kl(fn, args.spread, backend=args.backend, max_examples=args.examples, seed=args.seed,
                      name=args.target)
    print(json.dumps(result.to_json(), indent=2) if args.json else "\n".join(render_text(result)))
    return 0 if result.passed else 1


def _encodings(args) -> int:
    from .output import check_target, write_folder

    if args.example and args.files:
        raise ValueError("give either files or --example, not both")
    if not args.example and not args.files:
        raise ValueError("give the encodings file(s), or --example digits")
    _require_files(args.files, args.weights)
    check_target(args.output, force=args.force)
    _memory_bytes({"--samples": 16 * args.samples, "--bound-rows": 8 * 4 * min(args.bound_rows, 2**20)})

    from numeric import DiagonalMixture  # the heavy imports, once the arguments are known to be usable

    from .encodings_report import build_encodings_report, digits_example, encodings_verdict
    from .inputs import read_encodings

    notes: list[str] = []
    if args.example == "digits":
        means, variances, source = digits_example(args.latent)
        mix = DiagonalMixture.create(means, variances)
    else:
        mix = read_encodings(args.files, spread=args.spread, weights=args.weights, notes=notes)
        source = ", ".join(str(f) for f in args.files) + (f" ({'; '.join(notes)})" if notes else "")
    for line in notes:
        print(line)
    decompose_with = None
    if args.device is not None:  # the same numbers, computed by numeric.device on a torch device
        from numeric import device as dev

        source += f"; computed with torch on {args.device}"

        def decompose_with(mix, rng, **options):
            return dev.decompose(dev.DeviceMixture.from_numpy(mix.means, mix.variances, mix.weights, args.device),
                                 rng, **options)
    bar = _bar(not args.quiet)
    holder = {}
    try:
        write_folder(args.output, lambda tmp: holder.update(data=build_encodings_report(
            mix, source, tmp, n_samples=args.samples, seed=args.seed, max_bound_rows=args.bound_rows,
            progress=bar, decompose_with=decompose_with)), force=args.force)
    finally:
        bar.close()
    print(f"report: {args.output / 'report.md'}")
    for line in encodings_verdict(holder["data"]):
        print(line)
    return 0


def _monitor_plot(args) -> int:
    from .monitor_plot import plot_monitor_log
    from .output import check_file_target

    if args.output.suffix.lower() != ".png":
        raise ValueError(f"--output must end in .png, got {str(args.output)!r}")
    check_file_target(args.output)
    epochs = plot_monitor_log(args.log, args.output)
    print(f"{epochs} epochs from {args.log}; figure: {args.output}")
    return 0


def _audit_bytes(c) -> dict[str, int]:
    """Rough memory of the audit, by the option that drives each part (bytes); ``c`` has the options' names."""
    def trials_bytes(t, n, k, d):           # a chunk of the script's samples, and per-trial results
        return 16 * max(n * k * d, min(t, 2**24 // max(1, n * k * d)) * n * k * d) + 8 * t * (2 * n * d + 3 * d * d + 16)

    return {
        "--trials": trials_bytes(c.trials, c.n, c.k, c.d) + (24 * c.mc_samples * c.n * c.d if c.d > 1 else 0),
        "--iterations": trials_bytes(c.iterations, c.n, c.k, c.d),
        "--k": 16 * max(c.n, *c.n_sweep) * max(c.k, *c.k_sweep) * max(c.d, *c.d_sweep),   # one trial's samples
        "--sweep-trials": max(trials_bytes(c.sweep_trials, n, k, d) for n, k, d in
                              [(c.n, k, c.d) for k in c.k_sweep] + [(n, c.k, c.d) for n in c.n_sweep]
                              + [(c.n, c.k, d) for d in c.d_sweep]),
    }


def _audit(args) -> int:
    from .output import check_target, write_folder

    check_target(args.output, force=args.force)
    _memory_bytes(_audit_bytes(args))

    from .audit import AuditConfig, run_audit  # the heavy imports, once the arguments are known to be usable
    from .report import build_report, verdict_lines

    config = AuditConfig(d=args.d, n=args.n, k=args.k, iterations=args.iterations, trials=args.trials,
                         seed=args.seed, k_sweep=args.k_sweep, d_sweep=args.d_sweep, n_sweep=args.n_sweep,
                         sweep_trials=args.sweep_trials, mc_samples=args.mc_samples)
    config.validate()
    bar = _bar(not args.quiet)
    try:
        result = run_audit(config, progress=bar)
        write_folder(args.output, lambda tmp: build_report(result, tmp, derivations=not args.no_derivations),
                     force=args.force)
    finally:
        bar.close()
    print(f"report: {args.output / 'report.md'}")
    for line in verdict_lines(result):
        print(line)
    return 0


def _reproduce(args) -> int:
    from numeric import reproduce

    from .figures import script_scatter
    from .output import check_file_target

    if args.output.suffix.lower() != ".png":
        raise ValueError(f"--output must end in .png, got {str(args.output)!r}")
    check_file_target(args.output)
    trials = reproduce(d=args.d, n=args.n, k=args.k, iterations=args.iterations, seed=args.seed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    partial = args.output.with_name(f".{args.output.name}.partial.png")     # never a half-written figure
    try:
        script_scatter(trials, partial, f"kl_vae_convexity.m: d={args.d}, N={args.n}, k={args.k}, seed {args.seed}")
        partial.replace(args.output)
    finally:
        partial.unlink(missing_ok=True)
    ws = int(trials.wrong_side.sum())
    print(f"{args.iterations} iterations: {ws} points ({100 * ws / args.iterations:.1f}%) with x > y; figure: {args.output}")
    return 0


def _derive(args) -> int:
    from .derive import NoLatexEngine, compile_pdf, write_derivations

    if args.output.suffix != ".tex":
        raise ValueError(f"--output must end in .tex, got {str(args.output)!r}")
    tex, md, reports = write_derivations(args.output)
    steps = [s for r in reports for s in r.steps]
    checked = sum(s.status == "checked" for s in steps)
    print(f"{len(reports)} theorems, {len(steps)} steps: {checked} checked, {len(steps) - checked} named axioms")
    print(f"wrote {tex} and {md}")
    if args.pdf:
        try:
            pdf, _ = compile_pdf(tex)
        except NoLatexEngine as exc:
            print(f"kl-audit: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {pdf}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for bad input, with one line on stderr)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "audit")
    parser = _build_parser()
    args = parser.parse_args(argv)
    handlers = {"audit": _audit, "reproduce": _reproduce, "derive": _derive, "encodings": _encodings,
                "check": _check, "monitor-plot": _monitor_plot}
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[sig] = signal.signal(sig, _on_signal)
        except ValueError:      # not the main thread: signals stay as they were
            pass
    try:
        with _numeric_warnings_as_errors():
            return handlers[args.command](args)
    except (ValueError, TypeError, OSError, RuntimeError, ArithmeticError, RuntimeWarning) as exc:
        print(f"kl-audit: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except MemoryError as exc:
        print(f"kl-audit: error: out of memory: {_one_line(exc) or 'an allocation failed'}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kl-audit: interrupted", file=sys.stderr)
        return 130
    except Terminated as exc:
        print(f"kl-audit: terminated by {signal.Signals(exc.signum).name}", file=sys.stderr)
        return 128 + exc.signum
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


class _numeric_warnings_as_errors:
    """Inside the work, a numpy RuntimeWarning (overflow, invalid value) becomes an error, never terminal noise."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("error", RuntimeWarning)
        return self

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
