using System.Collections.Concurrent;
using CrsMonitor.Service.Storage;
using Microsoft.AspNetCore.SignalR;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// This node's follower of the alert change log (<c>alert_change</c>, per unit in seq order), whichever node committed
/// the changes: woken by <see cref="AlertBell"/> (this node's commits, other nodes' through <see cref="ChangeListener"/>,
/// and <see cref="FollowPoll"/>), it reads each unit's changes after the last it pushed and sends them to the dashboards
/// connected to this node (<c>alertRaised</c> / <c>alertUpdated</c> / <c>alertMoved</c>), each change once per connection
/// (<see cref="DashboardFeed"/>), in seq order; status changes go to the unit's group. Starts from each unit's last seq
/// at start-up (older changes are for <c>Resume</c>). A push lost (a connection dropped) is never an alert lost: the
/// change row stays, and clients replay it. No backplane: every node reads the log itself.
/// </summary>
public sealed partial class AlertFeed(
    AlertBell bell, Database database, IHubContext<AlertHub, IAlertClient> hub, Hosting.Telemetry.ServiceMetrics metrics, ILogger<AlertFeed> logger)
    : BackgroundService
{
    private readonly Dictionary<string, long> pushed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DashboardFeed> dashboards = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);
    private bool baseline;

    /// <summary>
    /// Takes the baseline before the host goes on (hosted services start before the web server listens): a baseline
    /// taken later could count changes committed after a dashboard connected as already pushed.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await TryBaselineAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A connection opened for <paramref name="units"/>: it is sent every change committed after this node's last push
    /// of each. Throws when the database cannot say where that is (the client connects again).
    /// </summary>
    internal async Task<DashboardFeed> OpenAsync(string connectionId, IEnumerable<string> units, CancellationToken ct)
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!await TryBaselineAsync(ct).ConfigureAwait(false))
            {
                throw new HubException("The alert feed cannot reach the database; connect again.");
            }

            var feed = new DashboardFeed(connectionId, units.Distinct(StringComparer.Ordinal).ToDictionary(u => u, u => pushed.GetValueOrDefault(u), StringComparer.Ordinal));
            dashboards[connectionId] = feed;
            return feed;
        }
        finally
        {
            gate.Release();
        }
    }

    internal DashboardFeed? Of(string connectionId) => dashboards.GetValueOrDefault(connectionId);

    internal void Close(string connectionId)
    {
        if (dashboards.TryRemove(connectionId, out var dashboard))
        {
            dashboard.Dispose();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var signal in bell.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (signal.Status is { } status)
                {
                    await hub.Clients.Group(AlertHub.GroupOf(status.Unit)).PatientStatusChanged(status).ConfigureAwait(false);
                    continue;
                }

                await PushAsync(signal.Unit, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, signal.Unit ?? "(all)", e);
            }
        }
    }

    /// <summary>Pushes the new changes of <paramref name="unit"/>, or (null) of every unit whose last seq is past this node's push.</summary>
    private async Task PushAsync(string? unit, CancellationToken ct)
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!await TryBaselineAsync(ct).ConfigureAwait(false))
            {
                return; // nothing is connected without it; the next signal tries again
            }

            await using var connection = await database.OpenReservedAsync(ct).ConfigureAwait(false);
            IEnumerable<string> units = unit is not null
                ? [unit]
                : from row in await AlertStore.AllLastSeqsAsync(connection, ct).ConfigureAwait(false)
                  where row.LastSeq > pushed.GetValueOrDefault(row.Unit)
                  select row.Unit;
            foreach (var u in units)
            {
                var changes = OutgoingChange.Of(await AlertStore.ChangesAfterAsync(connection, u, pushed.GetValueOrDefault(u), ct).ConfigureAwait(false));
                if (changes.Count == 0)
                {
                    continue;
                }

                await Task.WhenAll(dashboards.Values.Where(d => d.Follows(u)).Select(d => SendAsync(d, u, changes, ct))).ConfigureAwait(false);
                foreach (var change in changes)
                {
                    metrics.AlertPushed(change.Kind, change.At);
                }

                pushed[u] = changes[^1].Seq; // a unit first seen since the baseline: everything it has is new
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task SendAsync(DashboardFeed dashboard, string unit, IReadOnlyList<OutgoingChange> changes, CancellationToken ct)
    {
        try
        {
            await dashboard.SendLiveAsync(hub.Clients.Client(dashboard.ConnectionId), unit, changes, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogConnectionFailed(logger, dashboard.ConnectionId, unit, e); // that connection is going; it replays on reconnect
        }
    }

    /// <summary>Where pushing starts per unit: the last seq when first reachable (older changes are for <c>Resume</c>). Under <see cref="gate"/>.</summary>
    private async Task<bool> TryBaselineAsync(CancellationToken ct)
    {
        if (baseline)
        {
            return true;
        }

        try
        {
            await using var connection = await database.OpenReservedAsync(ct).ConfigureAwait(false);
            foreach (var (unit, last) in await AlertStore.AllLastSeqsAsync(connection, ct).ConfigureAwait(false))
            {
                pushed.TryAdd(unit, last);
            }

            baseline = true;
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            LogNoBaseline(logger, e.Message);
        }

        return baseline;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing alert changes of unit {Unit} failed; clients replay them on reconnect")]
    private static partial void LogFailed(ILogger logger, string unit, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pushing to connection {ConnectionId} (unit {Unit}) failed; it replays on reconnect")]
    private static partial void LogConnectionFailed(ILogger logger, string connectionId, string unit, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The alert feed cannot read where to start ({Reason}); it tries again at the next change")]
    private static partial void LogNoBaseline(ILogger logger, string reason);
}
