# The real DAG, walked while the workflow is parsed (the pre-flight's job table, the report's benchmark files).


def _label(rl, wildcards):
    """A job's name in the table: its log file's, below logs/<rule>/ (else its wildcards')."""
    if not rl.log:
        return "_".join(str(v) for v in wildcards.values()) or rl.name
    log = rl.expand_log(wildcards)[0]
    return log.removeprefix(f"logs/{rl.name}/").removesuffix(".log")


def dag_jobs(targets, skip=()):
    """The jobs that build `targets`, found as Snakemake builds its DAG: each file's producing rule, that job's
    wildcards, its inputs, recursively (a file no rule makes, or in `skip`, is a source). Returns {(rule, label): job} in DAG
    order, and {file: (rule, label)} of the job that makes each file."""
    rules = [
        r for r in workflow.rules if r.output and not r.name.startswith("preflight")
    ]
    jobs, maker, todo = {}, {}, list(reversed(targets))
    while todo:
        path = str(todo.pop())
        if path in maker:
            continue
        if path in skip:
            maker[path] = None
            continue
        makers = [r for r in rules if r.is_producer(path)]
        if len(makers) > 1:
            raise WorkflowError(f"{path} is made by {[r.name for r in makers]}")
        if not makers:
            maker[path] = None
            continue
        rl = makers[0]
        wc = rl.get_wildcards(path)
        key = maker[path] = (rl.name, _label(rl, wc))
        if key in jobs:
            continue
        inputs = rl.expand_input(wc)[0]
        # input file -> its name in the rule (a named input may hold several files)
        named = {}
        for name, files in inputs.items():
            for f in [files] if isinstance(files, str) else files:
                named[str(f)] = name
        jobs[key] = {"rule": rl, "wildcards": wc, "named": named}
        todo.extend(reversed(list(inputs)))
    return jobs, maker
