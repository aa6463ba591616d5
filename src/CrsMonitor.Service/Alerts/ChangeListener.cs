using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// PostgreSQL: keeps one connection of its own listening for the notifications other nodes' commits send
/// (<c>crsmonitor_alert_change</c>: a trigger on <c>alert_change</c>, payload the unit; <c>crsmonitor_patient_status</c>,
/// <see cref="StatusAnnouncer"/>) and rings this node's <see cref="AlertBell"/> with them, so a dashboard
/// connected here hears of an alert committed on any node within milliseconds. Lost connection: it listens again after
/// 1, 2, 4 … 30 s and then catches up every unit (<see cref="FollowPoll"/> covers the gap meanwhile). Does nothing on
/// the other databases, nor with <c>Alerts:ListenToDatabase</c> false.
/// </summary>
public sealed partial class ChangeListener(Database database, AlertBell bell, IOptions<AlertSettings> options, ILogger<ChangeListener> logger) : BackgroundService
{
    public const string AlertChannel = "crsmonitor_alert_change";

    [Sql(StorageProvider.Postgres)]
    private const string Listen = "LISTEN crsmonitor_alert_change; LISTEN crsmonitor_patient_status";

    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);

    private volatile bool listening;

    /// <summary>Whether the listening connection is up (PostgreSQL).</summary>
    public bool Listening => listening;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Provider != StorageProvider.Postgres || !options.Value.ListenToDatabase)
        {
            return;
        }

        var retry = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                listening = false;
                LogLost(logger, retry.TotalSeconds, e.Message);
                await Task.Delay(retry, TimeProvider.System, stoppingToken).ConfigureAwait(false);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
            }
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenListenerAsync(ct).ConfigureAwait(false);
        connection.Notification += OnNotification;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = Listen;
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        listening = true;
        bell.CatchUp(); // whatever was committed while nobody listened
        while (true)
        {
            await connection.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        try
        {
            if (e.Channel == AlertChannel)
            {
                bell.Wake(e.Payload);
            }
            else
            {
                bell.Announced(e.Payload);
            }
        }
        catch (System.Text.Json.JsonException ex)
        {
            LogUnreadable(logger, e.Channel, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for other nodes' alert changes failed; listening again in {Seconds} s (the follow poll covers the gap): {Reason}")]
    private static partial void LogLost(ILogger logger, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An unreadable notification on {Channel} was ignored: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string channel, string reason);
}
