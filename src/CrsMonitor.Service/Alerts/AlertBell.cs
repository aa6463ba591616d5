using System.Data.Common;
using System.Threading.Channels;
using CrsMonitor.Service.Storage;
using Microsoft.AspNetCore.SignalR;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// Rung after a transaction that wrote alert changes (or changed a patient's status) commits: the pusher then reads the
/// committed changes by seq and pushes them. A ring of a transaction that rolls back never sounds.
/// </summary>
public sealed class AlertBell
{
    private readonly Channel<Signal> channel = Channel.CreateUnbounded<Signal>(new UnboundedChannelOptions { SingleReader = true });

    internal ChannelReader<Signal> Reader => channel.Reader;

    public void Ring(DbTransaction transaction, string unit) => Database.AfterCommit(transaction, () => channel.Writer.TryWrite(new Signal(unit, null)));

    public void StatusChanged(DbTransaction transaction, string unit, string patientId, DateTimeOffset at) =>
        Database.AfterCommit(transaction, () => channel.Writer.TryWrite(new Signal(unit, new PatientStatusChange(unit, patientId, at))));

    internal sealed record Signal(string Unit, PatientStatusChange? Status);
}

/// <summary>
/// Pushes committed alert changes to the unit's group in seq order (<c>alertRaised</c> / <c>alertUpdated</c> /
/// <c>alertMoved</c>) and status changes (<c>patientStatusChanged</c>). Remembers the last seq pushed per unit; starts from the current last
/// seq (clients replay anything older with <c>Resume</c>). A push lost (a backplane outage) is never an alert lost:
/// the change row stays, and clients replay it.
/// </summary>
public sealed partial class AlertPusher(AlertBell bell, Database database, IHubContext<AlertHub, IAlertClient> hub, Hosting.Telemetry.ServiceMetrics metrics, ILogger<AlertPusher> logger)
    : BackgroundService
{
    private readonly Dictionary<string, long> pushed = new(StringComparer.Ordinal);
    private bool baseline;

    /// <summary>
    /// Takes the baseline before the host goes on (hosted services start before the web server listens): a baseline
    /// taken later, in <see cref="ExecuteAsync"/> (which runs on its own since .NET 10), could count changes committed
    /// after a dashboard connected as already pushed, and they would never be pushed live.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        baseline = await TryBaselineAsync(0, cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var ring in bell.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                // The database was down at start-up: the change that rang is pushed, older ones are replayed by clients (Resume).
                baseline = baseline || await TryBaselineAsync(1, stoppingToken).ConfigureAwait(false);

                if (ring.Status is { } status)
                {
                    await hub.Clients.Group(AlertHub.GroupOf(status.Unit)).PatientStatusChanged(status).ConfigureAwait(false);
                    continue;
                }

                await PushAsync(ring.Unit, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, ring.Unit, e);
            }
        }
    }

    /// <summary>Where pushing starts per unit: the last seq at start-up (older changes are for <c>Resume</c>).</summary>
    private async Task<bool> TryBaselineAsync(long back, CancellationToken ct)
    {
        try
        {
            await using var connection = await database.OpenReservedAsync(ct).ConfigureAwait(false);
            foreach (var (unit, last) in await AlertStore.AllLastSeqsAsync(connection, ct).ConfigureAwait(false))
            {
                pushed.TryAdd(unit, last - back);
            }

            return true;
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            return false;
        }
    }

    private async Task PushAsync(string unit, CancellationToken ct)
    {
        await using var connection = await database.OpenReservedAsync(ct).ConfigureAwait(false);
        var after = pushed.GetValueOrDefault(unit); // a unit first seen since start: everything it has is new

        foreach (var change in await AlertStore.ChangesAfterAsync(connection, unit, after, ct).ConfigureAwait(false))
        {
            await AlertChangeSender.SendAsync(hub.Clients.Group(AlertHub.GroupOf(unit)), change).ConfigureAwait(false);
            metrics.AlertPushed(change.Kind, change.At);
            pushed[unit] = change.Seq;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing alert changes of unit {Unit} failed; clients replay them on reconnect")]
    private static partial void LogFailed(ILogger logger, string unit, Exception exception);
}
