"""Every hook a zhishu plugin can implement (pluggy project ``"zhishu"``).

Registration hooks (``register_*``) run once per run, each when the run first uses its kind (a run without
analyses never asks ``register_analyses``); each receives a ``register`` callback that feeds a registry zhishu
owns, so plugins never touch global state and two plugins that claim one name are reported with both names.
``register(name, zhishu.lazy("package.module:Name"))`` registers a component imported only when a run first
asks for it, so that importing the plugin (which every ``zhishu`` command does) stays cheap. The pipeline then calls the registered objects directly: pluggy is
never in a hot path. ``read_table`` is the only ``firstresult`` hook: methods are always chosen by name from
a registry, never by whichever plugin answers first.

Every hook is called through pluggy in pluggy's order (``tryfirst`` first, then the most recently registered,
``trylast`` last), with hookwrappers around each call; see :mod:`zhishu.hooks`. The kinds of component and
their hooks are listed once, in :data:`zhishu.KINDS`.

Besides its kind's protocol, a registered class may declare optional capabilities, found with ``isinstance``
(:data:`zhishu.CAPABILITIES`, checked by :mod:`zhishu.testing`): :class:`zhishu.ByYear` and
:class:`zhishu.AggregatesArrays` (aggregators), :class:`zhishu.Reports` and :class:`zhishu.ChecksChildren`
(weightings), :class:`zhishu.HasDetails` (treatments), :class:`zhishu.ResolvesMethods` and
:class:`zhishu.ChecksConfig` (any method).

Implement hooks with :data:`zhishu.hookimpl` and expose the module through the entry-point group ``zhishu``::

    [project.entry-points.zhishu]
    my_plugin = "my_package.plugin"
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT_NAME = "zhishu"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --------------------------------------------------------------------------------------------- registration


@hookspec
def register_sources(register) -> None:
    """Register data-source classes: one file format or one publisher's table layout each.

    :param register: ``register(name, cls)``; ``cls`` is an attrs class whose fields are the source's
        parameters (structured strictly from the config's ``params`` table) and whose
        ``load(context) -> DataFrame`` returns floats indexed by (unit, year), one column per variable.

    .. versionadded:: 0.1
    """


@hookspec
def register_unit_sets(register) -> None:
    """Register sets of units (:class:`zhishu.UnitSet`), e.g. the 31 mainland provinces with their GB/T 2260
    codes, every common spelling of their names and their regional groups. A config selects one with
    ``[index] unit_set = "…"``; data labels are matched against each unit's id, name and aliases.

    :param register: ``register(name, unit_set)``.

    .. versionadded:: 0.2
    """


@hookspec
def register_indicators(register) -> None:
    """Register indicator specifications (:class:`zhishu.IndicatorSpec`).

    :param register: ``register(id, spec)``: the id, zh/en names, unit, direction (+1 higher is better,
        -1 lower is better), the source variable or a derivation formula over source variables, and the
        formula's constants as overridable parameters.

    .. versionadded:: 0.1
    """


@hookspec
def register_subindices(register) -> None:
    """Register sub-index specifications (:class:`zhishu.SubIndexSpec`): a node of an index tree with its
    children (indicators or other sub-indices) and optional default weighting and aggregator.

    :param register: ``register(id, spec)``.

    .. versionadded:: 0.1
    """


@hookspec
def register_normalisers(register) -> None:
    """Register normaliser classes (``fit(X, specs) -> self``, ``transform(X) -> DataFrame``).

    Normalisers receive data already multiplied by each indicator's direction, so that higher is better
    both before and after; they must not mutate their input or impute. Any method (normaliser or other) whose
    parameters name things in the config declares :class:`zhishu.ChecksConfig` (``config_issues(plan, where)``),
    called once at load time; a method built from other methods declares :class:`zhishu.ResolvesMethods`.

    :param register: ``register(name, cls)``; ``cls`` is an attrs class of parameters.

    .. versionadded:: 0.1
    """


@hookspec
def register_weightings(register) -> None:
    """Register weighting classes (``weights(X, specs) -> Series`` over the columns of X, summing to 1).

    ``X`` holds the normalised values (or sub-index scores) of one node's children. Optional capabilities:
    :class:`zhishu.Reports` (``report(children) -> dict``, diagnostics for ``zhishu explain`` and the manifest)
    and :class:`zhishu.ChecksChildren` (``check(children) -> list[str]``, problems reported at load time).

    :param register: ``register(name, cls)``.

    .. versionadded:: 0.1
    """


@hookspec
def register_aggregators(register) -> None:
    """Register aggregator classes (``aggregate(X, weights) -> Series`` over the rows of X).

    Aggregators re-normalise the weights over the children present in each row; a row with no child present
    is NaN. The pipeline applies the node's minimum-available-weight rule afterwards. Optional capabilities:
    :class:`zhishu.ByYear` (``by_year = True``: the aggregator compares units, so it sees one year at a time)
    and :class:`zhishu.AggregatesArrays` (``aggregate_array(values, weights) -> ndarray``, a vectorised form the
    sensitivity engine calls once for all replications instead of ``aggregate`` once per replication).

    :param register: ``register(name, cls)``.

    .. versionadded:: 0.1
    """


@hookspec
def register_imputers(register) -> None:
    """Register imputer classes (``impute(X, context) -> DataFrame``) that fill missing raw values.

    :param register: ``register(name, cls)``.

    .. versionadded:: 0.1
    """


@hookspec
def register_treatments(register) -> None:
    """Register outlier-treatment classes (``treat(X, context) -> DataFrame``), applied to raw values
    after imputation and before normalisation. A treatment that records what it did declares
    :class:`zhishu.HasDetails` (a ``details_`` DataFrame after ``treat``, written as ``outliers.csv``).

    :param register: ``register(name, cls)``.

    .. versionadded:: 0.1
    """


@hookspec
def register_transforms(register) -> None:
    """Register pre-transform classes (``fit(X, specs) -> self``, ``transform(X) -> DataFrame``) such as
    log or Box-Cox, applied to raw values just before normalisation and combinable with any normaliser.

    A pre-transform is fitted on the same rows as the normaliser (each year, or the reference year) and sees
    the values in their original orientation (before multiplication by the direction).

    :param register: ``register(name, cls)``.

    .. versionadded:: 0.2
    """


@hookspec
def register_analyses(register) -> None:
    """Register analysis classes (``run(result) -> DataFrame``): tables computed from a finished run, such as
    tiers, growth or agreement with a reference ranking. A config switches them on in ``[analyses.<name>]``;
    each is written beside the scores as ``analysis-<name>.csv``.

    :param register: ``register(name, cls)``; ``cls`` is an attrs class of parameters.

    .. versionadded:: 0.2
    """


@hookspec
def register_exporters(register) -> None:
    """Register exporter classes (``export(result, outdir, writer) -> list[Path]``).

    :param register: ``register(name, cls)``.

    .. versionadded:: 0.1
    """


@hookspec
def register_commands(register) -> None:
    """Register subcommands of the ``zhishu`` command (:class:`zhishu.Command`), e.g. ``zhishu audit``.

    :param register: ``register(name, command)``; ``command.add_arguments(parser)`` fills the subcommand's
        argparse parser and ``command.run(args) -> int`` runs it and returns the exit status. A user problem is
        raised as a :class:`zhishu.ZhishuError` subclass (exit 2, no traceback). Shared config arguments:
        ``zhishu.cli.add_config_arguments(parser)`` and ``zhishu.cli.load_plan(args)``. A name taken by a
        built-in command (run, validate, explain, plugins) or by another plugin is an error naming both.

    .. versionadded:: 0.3
    """


@hookspec
def register_geometries(register) -> None:
    """Register boundaries for maps (:class:`zhishu.Geometry`): a GeoJSON FeatureCollection shipped with the
    plugin, one feature per unit with the unit id as the feature's ``id``, e.g. the provinces of China keyed by
    their GB/T 2260 codes for the unit set ``cn_provinces``, or the world's countries keyed by ISO 3166-1
    alpha-3. Reports draw a map for an index whose unit set (or whose every unit id) a geometry covers; the
    file is read only when a map is drawn, and never downloaded.

    :param register: ``register(name, geometry)``.

    .. versionadded:: 0.3
    """


# --------------------------------------------------------------------------------------------- reading


@hookspec(firstresult=True)
def read_table(path, options) -> Any:
    """Read the file at ``path`` into a DataFrame of raw cells, or return ``None`` if this plugin cannot.

    The first non-``None`` answer wins, so a reader must only answer for formats it recognises (by suffix or
    content). ``options`` is a dict (e.g. ``encoding``, ``sheet``, ``header``); readers ignore options they do
    not know. Readers may record what they detected (such as the encoding) in ``options["detected"]``.

    :returns: a :class:`pandas.DataFrame` with string or numeric columns, or ``None``. Its index should be the
        1-based line number in the file (named ``"line"``; ``"row"`` for spreadsheets), so that sources can say
        where a bad cell is.

    .. versionadded:: 0.1
    """


# --------------------------------------------------------------------------------------------- checking


@hookspec
def validate_config(config, registries) -> Any:
    """Check a structured, resolved config across plugins.

    :param config: the resolved :class:`zhishu.config.plan.Plan` (``config.config`` is the structured TOML,
        ``config.indicators`` and ``config.nodes`` the resolved tree with its methods).
    :param registries: the run's :class:`zhishu.registry.Registries`.
    :returns: an iterable of :class:`zhishu.Issue` (each with its TOML key path), or ``None``.

    .. versionadded:: 0.1
    """


# --------------------------------------------------------------------------------------------- lifecycle


@hookspec
def before_run(config) -> None:
    """Called once before the pipeline starts, with the resolved config.

    .. versionadded:: 0.1
    """


@hookspec
def after_step(step, frame, config) -> None:
    """Called after each pipeline stage (``load``, ``derive``, ``impute``, ``treat``, ``normalise``,
    ``aggregate``, ``rank``) with the stage's output frame. Must not modify ``frame``.

    .. versionadded:: 0.1
    """


@hookspec
def after_run(result) -> None:
    """Called once with the finished :class:`zhishu.Result`.

    .. versionadded:: 0.1
    """


@hookspec
def on_error(error, step, config) -> None:
    """Called when a stage raises; the error is re-raised afterwards (never swallowed).

    .. versionadded:: 0.1
    """
