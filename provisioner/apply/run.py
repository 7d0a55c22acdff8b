"""One apply run against one state: recover, execute a plan, compact.

The caller holds the state lock for the whole run and has read `state` under
it. `recover` resolves the pending creates an interrupted run left (before
planning, or after a saved plan's freshness check); `execute` carries out a
plan and always ends with a compaction of the state, unless writing the state
itself failed.
"""

from __future__ import annotations

from collections.abc import Iterable

from provisioner import rules
from provisioner.apply.context import ApplyOptions, Context, Stopper
from provisioner.apply.engine import execute_until_stopped, total_operations
from provisioner.apply.ledger import ApplyReport, Ledger
from provisioner.apply.patience import PatientClient
from provisioner.apply.progress import Progress
from provisioner.apply.recover import reconcile_pending
from provisioner.apply.writer import StateWriter
from provisioner.kaleyra import KaleyraClient
from provisioner.plan import Action, Plan
from provisioner.state.document import State, StateBackend


class ApplyRun:
    """The engine bound to one state, one client and one progress display."""

    def __init__(
        self,
        backend: StateBackend,
        state: State,
        client: KaleyraClient,
        options: ApplyOptions,
        progress: Progress,
        on_replace: str = rules.DEFAULT_ON_REPLACE,
    ) -> None:
        self.writer = StateWriter(backend, state)
        self.ledger = Ledger(progress)
        stopper = Stopper()
        patient = PatientClient(client, lambda: stopper.stopped)
        self.ctx = Context(
            patient, self.writer, self.ledger, options, on_replace, stopper
        )
        self.finished = False

    @property
    def state(self) -> State:
        return self.writer.state

    async def recover(self) -> None:
        """Adopt or clear every pending create; ReconcileError when ambiguous."""
        if self.state.pending:
            await reconcile_pending(self.ctx)

    async def execute(
        self, plan: Plan, external_users: Iterable[str] = ()
    ) -> ApplyReport:
        """Carry out `plan`, then compact the state; the report of the run."""
        self.ctx.on_replace = plan.on_replace
        self.ledger.unchanged = plan.count(Action.NOOP)
        self.ledger.progress.start(total_operations(plan, len(self.state.retiring)))
        try:
            await execute_until_stopped(self.ctx, plan, external_users)
        finally:
            self.finish()
        return self.ledger.report(interrupted=self.ctx.stopper.signal)

    def finish(self) -> None:
        """Compact the state (journal folded into the document), once."""
        if self.finished:
            return
        self.finished = True
        if self.writer.failure is None and self.writer.commits:
            self.writer.backend.compact(self.state)
