"""The commented ``textops.yaml`` that ``textops init`` writes."""

TEMPLATE = """\
# textops pipeline definition. Every key is optional: what you leave out takes the
# built-in default shown here. 'textops graph' prints the steps; unknown keys are refused.
project: textops

data:
  name: demo                # dataset name: versions live under datasets/<name>/ in the store
  source: landing           # a folder or file (CSV, Parquet, JSONL), local or an fsspec URL
  format: auto              # auto | csv | parquet | jsonl
  text_column: text
  label_column: label
  id_column: null           # unset: ids are <file>:<row>
  split_column: null        # a column holding train/test; unset: split below
  split:
    test_fraction: 0.2
    subset_fraction: 0.2    # the train/test subsets that sweep and tune explore on
    stratified: true
    seed: 42

store:
  url: .textops             # a folder, or s3://..., az://..., gs://... (fsspec)

tracking:
  enabled: true
  uri: null                 # unset: $MLFLOW_TRACKING_URI, else SQLite in the store
  experiment: textops

compute:                    # where steps run; a step names one with 'compute:'
  local:
    kind: local
  cluster:
    kind: dask
    address: null           # unset: an embedded LocalCluster; else tcp://scheduler:8786
    n_workers: 2
    threads_per_worker: 1
    memory_limit: 6GiB      # per worker: a task that needs more fails alone
  gpu:
    kind: local             # on a cluster: kind: dask, address: ..., resources: {GPU: 1}
    device: auto            # auto picks CUDA when present

environments:
  mode: current             # current: check this interpreter satisfies each file | off
  files:
    data: environments/data.yml
    sklearn: environments/sklearn.yml
    torch: environments/torch.yml

# steps: leave out to run the built-in pipeline ('textops graph' shows it). To change it,
# list every step; each has name, uses, inputs (name: step.output), params, compute,
# environment and data (raw | full | subset | all). For example:
# steps:
#   - name: ingest
#     uses: ingest
"""
