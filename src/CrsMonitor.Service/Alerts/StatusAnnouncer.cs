using System.Text.Json;
using System.Threading.Channels;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// PostgreSQL: tells the other nodes of this node's patient status changes (<c>patientStatusChanged</c> has no seq and
/// no row to follow), after their transactions committed: one <c>pg_notify</c> statement per batch of whatever is
/// waiting, on the reserved pool, so a write's transaction runs no statement for it and holds its lock no longer.
/// A status change is a hint to re-read a census row: one lost (the database away) costs a refresh, never an alert.
/// Nothing to do on the other databases (<see cref="Enabled"/> false).
/// </summary>
public sealed partial class StatusAnnouncer(Database database, ILogger<StatusAnnouncer> logger) : BackgroundService
{
    public const string Channel = "crsmonitor_patient_status";

    [Sql(StorageProvider.Postgres)]
    private const string Notify = "SELECT pg_notify('crsmonitor_patient_status', p) FROM unnest(@Payloads) AS p";

    private readonly Channel<string> waiting = System.Threading.Channels.Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public bool Enabled => database.Provider == StorageProvider.Postgres;

    /// <summary>Queues <paramref name="notice"/> for the other nodes (a committed change).</summary>
    internal void Announce(AlertBell.StatusNotice notice)
    {
        if (Enabled)
        {
            waiting.Writer.TryWrite(JsonSerializer.Serialize(notice, AlertDocument.Json));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        while (await waiting.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            var batch = new List<string>();
            while (batch.Count < 500 && waiting.Reader.TryRead(out var payload))
            {
                batch.Add(payload);
            }

            try
            {
                await using var connection = await database.OpenReservedAsync(stoppingToken).ConfigureAwait(false);
                await connection.ExecuteAsync(Dialect.Command(connection, null, Notify, new { Payloads = batch.ToArray() }, stoppingToken)).ConfigureAwait(false);
            }
            catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
            {
                LogLost(logger, batch.Count, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} patient status change(s) could not be announced to the other nodes ({Reason}); their dashboards refresh those rows with the next change")]
    private static partial void LogLost(ILogger logger, int count, string reason);
}
