using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// Escalates unacknowledged alerts whose next tier is due (<c>alert.next_escalation_at</c>, a row: durable across
/// restarts): every <c>Alerts:EscalationCheckSeconds</c> on the host's <see cref="TimeProvider"/>, and once at start-up
/// for what fell due while the service was down. Each escalation is an <c>alert_action</c>, an <c>alertUpdated</c>
/// change with the new tier, and a push.
/// </summary>
public sealed partial class EscalationWorker(
    Database database, AlertService alerts, IOptions<AlertSettings> options, Hosting.Telemetry.ServiceMetrics metrics, TimeProvider time,
    ILogger<EscalationWorker> logger)
    : PeriodicPass(time, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.EscalationCheckSeconds);

    protected override Task RunPassAsync(CancellationToken ct) => RunOnceAsync(ct);

    /// <summary>Escalates every alert due at "now"; returns how many steps were taken.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var now = Time.GetUtcNow();
        List<AlertRow> due;
        await using (var connection = await database.OpenReservedAsync(ct).ConfigureAwait(false))
        {
            due = await AlertStore.DueEscalationsAsync(connection, now, ct).ConfigureAwait(false);
        }

        var steps = 0;
        foreach (var candidate in due)
        {
            var reached = await database.InTransactionAsync(async (c, tx) =>
            {
                var taken = new List<int>();
                var alert = await AlertService.LockedAsync(c, tx, candidate.Id, ct).ConfigureAwait(false);
                // Several tiers may be due after a long outage: take each in turn, so every tier is recorded.
                // Not on "unassigned" (nobody to escalate to): such an alert starts at tier 0 when it moves to a unit.
                while (alert is { State: AlertState.Raised, NextEscalationAt: { } next } && next <= now && AlertUnit.IsSeen(alert.Unit))
                {
                    await alerts.EscalateAsync(c, tx, alert, now, ct).ConfigureAwait(false);
                    LogEscalated(logger, alert.Id, alert.Unit, alert.EscalationTier);
                    taken.Add(alert.EscalationTier);
                }

                return taken;
            }, ct).ConfigureAwait(false);

            // Counted once committed (a rolled-back attempt runs again).
            foreach (var tier in reached)
            {
                metrics.Escalated(tier);
            }

            steps += reached.Count;
        }

        return steps;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} of unit {Unit} escalated to tier {Tier}")]
    private static partial void LogEscalated(ILogger logger, string alertId, string unit, int tier);
}
