using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// Every <c>Alerts:FollowPollMilliseconds</c> of real time, asks this node's <see cref="AlertFeed"/> to catch up with
/// every unit's log: how changes committed by other nodes reach this node's dashboards on SQL Server (no
/// notifications), and on PostgreSQL the safety net for a notification lost while <see cref="ChangeListener"/>
/// reconnects. One small read (<c>unit_alert_seq</c>) per pass. Real time, not the host's clock: it bounds a delivery
/// delay, as the drivers' timeouts bound I/O, and a test's frozen clock must not stop it.
/// </summary>
public sealed class FollowPoll(AlertBell bell, IOptions<AlertSettings> options, ILogger<FollowPoll> logger)
    : PeriodicPass(TimeProvider.System, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromMilliseconds(options.Value.FollowPollMilliseconds);

    protected override Task RunPassAsync(CancellationToken ct)
    {
        bell.CatchUp();
        return Task.CompletedTask;
    }
}
