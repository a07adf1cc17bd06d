"""The participants' search index: filling it again from the store."""

from application.privacy.keys import MasterKeyError
from interfaces.cli.common import fail
from interfaces.cli.common import load_settings
from interfaces.cli.common import open_service
from interfaces.cli.common import out
from interfaces.cli.common import progress_bar


def reindex() -> None:
    """Fill the participants' search index again from the store: every participant
    is opened with their data key (so it needs the master key) and their rows are
    replaced; erased participants get none. Safe to run at any time, and again. The
    service fills the index by itself at its first start after the upgrade that
    added it; this is for a store written meanwhile by an older release."""
    service = open_service(load_settings())
    try:
        with progress_bar() as progress:
            task = progress.add_task("indexing participants", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            indexed = service.reindex(progress=advance)
    except MasterKeyError as error:
        fail(str(error))
    finally:
        service.close()
    out.print(f"the search index holds {indexed} participants", highlight=False)
