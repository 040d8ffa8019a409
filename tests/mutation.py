"""Mutation testing, one module at a time: ``python3 -m tests.mutation numeric/gaussian.py [NAME ...] [--max-children 2]``.

mutmut (the ``dev`` extra) plants one small change at a time in a module (an operator,
a constant, an argument dropped) and runs the tests that cover it; a change no test
notices is a *survivor*.  A whole-package run is long, so each module is run against
the test files that concern it (:data:`TESTS`), in a scratch copy of the tree whose
``[tool.mutmut]`` names that module alone.  The score per module is in the README.

The run is not part of CI.  Results: ``mutants/`` in the scratch copy, whose path is
printed; ``mutmut results`` and ``mutmut show NAME`` there list and show survivors.  With ``--keep FOLDER``
a later run in the same folder keeps the earlier results and runs only the mutants named (after new tests
were written for them) or those without a result.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["TESTS", "main"]

#: The attacks on the checker (false derivations it must refuse) and the derivations it must accept.
_PROOF_TESTS = ["tests/test_kernel_attacks.py", "tests/test_kills_kernel.py", "tests/test_matrix_attacks.py",
                "tests/test_checker_rejects.py", "tests/test_induction.py", "tests/test_covariance.py",
                "tests/test_proofs.py", "tests/test_citations.py"]

#: The test files run against each module's mutants.
TESTS: dict[str, list[str]] = {
    "numeric/gaussian.py": ["tests/test_numeric_closed_forms.py", "tests/test_known_answers.py",
                            "tests/test_wrong_variants.py", "tests/test_bad_input.py", "tests/test_mutation_kills.py",
                            "tests/test_kills_gaussian.py"],
    "numeric/mixture.py": ["tests/test_numeric_mixture.py", "tests/test_known_answers.py",
                           "tests/test_wrong_variants.py", "tests/test_bad_input.py", "tests/test_mutation_kills.py",
                           "tests/test_kills_mixture.py"],
    "numeric/moments.py": ["tests/test_known_answers.py", "tests/test_wrong_variants.py",
                           "tests/test_numeric_mixture.py", "tests/test_mutation_kills.py"],
    "numeric/script.py": ["tests/test_script_reproduction.py", "tests/test_known_answers.py",
                          "tests/test_wrong_variants.py", "tests/test_bad_input.py", "tests/test_kills_script.py"],
    "numeric/encodings.py": ["tests/test_encodings.py", "tests/test_known_answers.py", "tests/test_wrong_variants.py",
                             "tests/test_bad_input.py", "tests/test_kills_encodings.py"],
    "numeric/bounds.py": ["tests/test_known_answers.py", "tests/test_wrong_variants.py",
                          "tests/test_numeric_mixture.py", "tests/test_encodings.py", "tests/test_numeric_kernels.py",
                          "tests/test_kills_bounds.py"],
    "numeric/estimate.py": ["tests/test_known_answers.py", "tests/test_wrong_variants.py"],
    "numeric/density.py": ["tests/test_known_answers.py", "tests/test_wrong_variants.py",
                           "tests/test_numeric_mixture.py", "tests/test_bad_input.py", "tests/test_numeric_kernels.py",
                           "tests/test_kills_montecarlo.py", "tests/test_kills_density.py"],
    "numeric/montecarlo.py": ["tests/test_kills_montecarlo.py", "tests/test_kills_encodings.py", "tests/test_one_formula.py",
                              "tests/test_known_answers.py", "tests/test_wrong_variants.py",
                              "tests/test_numeric_mixture.py", "tests/test_bad_input.py", "tests/test_numeric_kernels.py"],
    "numeric/quadrature.py": ["tests/test_quadrature.py", "tests/test_known_answers.py", "tests/test_wrong_variants.py",
                              "tests/test_numeric_mixture.py", "tests/test_bad_input.py", "tests/test_kills_quadrature.py"],
    "kl_audit/stats.py": ["tests/test_known_answers.py", "tests/test_wrong_variants.py"],
    # the checker is the product: every attack (a false derivation that must be refused) and every theorem
    "proofs/kernel.py": _PROOF_TESTS,
    "proofs/checker.py": [*_PROOF_TESTS, "tests/test_render.py"],  # Theorem._repr_latex_, _repr_markdown_
    "proofs/axioms.py": _PROOF_TESTS,
    "proofs/axioms_dimension.py": _PROOF_TESTS,
    "proofs/axioms_matrix.py": _PROOF_TESTS,
    "proofs/matrices.py": _PROOF_TESTS,
}

_COPY = ["numeric", "kl_audit", "proofs", "tests", "pyproject.toml"]


def _config(module: str) -> str:
    tests = ", ".join(f'"{t}"' for t in TESTS[module] if Path(t).exists())
    return ("\n[tool.mutmut]\n"
            # every package is copied (the tests import them all); only the one module is mutated
            'source_paths = ["numeric", "kl_audit", "proofs"]\n'
            'do_not_mutate = ["*numeric/_kernels.py", "*numeric/_quadrature_kernel.py"]\n'
            f'only_mutate = ["*{module}"]\n'
            f"pytest_add_cli_args_test_selection = [{tests}]\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]\n'
            "use_git_change_detection = false\n"
            # error messages are checked by tests/test_bad_input.py, not by a mutation score for the mathematics
            "do_not_mutate_patterns = ['^\\s*raise ']\n"
            # workers forked from a process that has run numpy/numba code die unpredictably
            'process_isolation = "forkserver"\n'
            # the limit is on CPU seconds, 2 x multiplier x (the tests' own time + constant), which a loaded
            # machine hardly inflates; a mutant that makes a loop run away is stopped within minutes
            "timeout_multiplier = 4.0\ntimeout_constant = 10.0\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tests.mutation", description=__doc__.splitlines()[0])
    parser.add_argument("module", choices=sorted(TESTS), help="the module to mutate")
    parser.add_argument("--max-children", type=int, default=2, help="parallel test processes (default 2)")
    parser.add_argument("mutants", nargs="*",
                        help="mutant names or patterns to (re-)run, e.g. 'numeric.bounds.x_rounding_margin*'; "
                             "default: every mutant without a result in the scratch folder")
    parser.add_argument("--keep", help="scratch folder to use (kept afterwards); default: a new temporary one")
    args = parser.parse_intermixed_args(argv)
    root = Path(__file__).resolve().parent.parent
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kl-audit-mutation-"))
    work.mkdir(parents=True, exist_ok=True)
    for name in _COPY:
        src, dst = root / name, work / name
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis", "mutation.py"))
        else:
            text = src.read_text()
            # the committed [tool.mutmut] table is replaced by this module's
            text = text.split("\n[tool.mutmut]\n")[0] + _config(args.module)
            dst.write_text(text)
    print(f"mutating {args.module} in {work}", flush=True)
    run = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children),
                          *args.mutants], cwd=work)
    subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=work)
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
