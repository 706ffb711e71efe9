"""koie.dask on a distributed.LocalCluster with two worker processes: records identical to a local run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask.bag")

import koie  # noqa: E402
import koie.dask  # noqa: E402
from koie.run.runner import run_corpus  # noqa: E402
from koie.run.sinks import record_line  # noqa: E402

TEXTS = [
    "홍길동 한빛전자 사장이 김철수 누리소프트 대표와 만났다.\n둘째 문단이다.\n",
    "이재용 삼성전자 회장은 젠슨 황 엔비디아 CEO와 만났다.\n",
    "오늘은 비가 온다.\n",
    "최태원 회장이 샘 올트먼 오픈AI CEO와 회동했다.\n",
]


@pytest.fixture(scope="module")
def cluster_client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            memory_limit="3GiB",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_dask_records_identical_to_local_run(tmp_path: Path, cluster_client, capsys) -> None:
    corpus = tmp_path / "docs.jsonl"
    lines = [json.dumps({"id": f"n{index}", "text": text}, ensure_ascii=False) for index, text in enumerate(TEXTS * 3)]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pack = koie.load("examples/hello.yaml")
    local = tmp_path / "local.jsonl"
    run_corpus(pack, (str(corpus),), output=str(local), quiet=True)
    bag = koie.dask.records_bag(pack, koie.dask.read_documents(str(corpus)).repartition(3))
    remote = "".join(record_line(row) + "\n" for row in bag.compute())
    assert remote == local.read_text(encoding="utf-8") and remote
    # At most one Kiwi model per worker process, however many tasks it ran.
    models = cluster_client.run(_loaded_models)
    assert len(models) == 2 and all(count <= 1 for count in models.values()) and sum(models.values()) >= 1


def _loaded_models() -> int:
    from koie.analysis.kiwi import SHARED_POOL

    return sum(analyzer.model_loaded for analyzer in SHARED_POOL.in_use())


def test_dask_dataframe_of_texts(cluster_client) -> None:
    import dask.dataframe as dd
    import pandas as pd

    pack = koie.load("examples/hello.yaml")
    frame = dd.from_pandas(pd.DataFrame({"id": ["a", "b"], "text": TEXTS[:2]}), npartitions=2)
    records = koie.dask.records_dataframe(pack, frame).compute()
    assert list(records["doc"]) == ["a", "b"] and set(records["label"]) == {"MEETING"}
