using System.Threading.Channels;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// Runs on every node: claims exports (a conditional UPDATE, so one node wins each) and builds them with
/// <see cref="ExportRunner"/>, at most <see cref="RunsPerNode"/> at once. It looks for claimable exports at start-up,
/// when a kick-off on this node wakes it (<see cref="Wake"/>), when one of its builds ends, and every
/// <see cref="PollInterval"/> on the host's <see cref="TimeProvider"/> (exports kicked off on other nodes, and running
/// exports whose claim went stale: their node died).
/// </summary>
public sealed partial class ExportWorker(
    Database database, ExportRunner runner, IOptions<ResearchExportSettings> settings, TimeProvider time, ILogger<ExportWorker> logger)
    : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>Exports one node builds at once (the content reads the database; more would only queue behind each other).</summary>
    public const int RunsPerNode = 2;

    private readonly Channel<bool> signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly List<Task> running = [];

    /// <summary>This worker's name in <c>research_export.claimed_by</c> (each claim adds an id of its own).</summary>
    public string NodeName { get; } = NameOfThisNode();

    /// <summary>Asks the worker to look for claimable exports now (a kick-off on this node).</summary>
    public void Wake() => signals.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, time);
        Task<bool>? tick = null;
        Task<bool>? signal = null;
        try
        {
            while (true)
            {
                await ClaimAsync(stoppingToken).ConfigureAwait(false);
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                signal ??= signals.Reader.WaitToReadAsync(stoppingToken).AsTask();
                var woken = await Task.WhenAny(tick, signal).ConfigureAwait(false);
                if (woken == tick)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        return;
                    }

                    tick = null;
                }
                else
                {
                    await signal.ConfigureAwait(false);
                    signal = null;
                    while (signals.Reader.TryRead(out _))
                    {
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: the builds give their exports back to the queue.
        }
        finally
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    /// <summary>Claims what this node has room for and starts building it.</summary>
    private async Task ClaimAsync(CancellationToken ct)
    {
        running.RemoveAll(t => t.IsCompleted);
        var room = RunsPerNode - running.Count;
        if (room <= 0)
        {
            return;
        }

        try
        {
            var now = time.GetUtcNow();
            var staleBefore = now - settings.Value.ClaimTimeout;
            await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
            foreach (var id in await ExportStore.ClaimableAsync(connection, staleBefore, room, ct).ConfigureAwait(false))
            {
                var claim = $"{NodeName}/{Guid.NewGuid():N}";
                if (await ExportStore.TryClaimAsync(connection, id, claim, now, staleBefore, ct).ConfigureAwait(false))
                {
                    LogClaimed(logger, id, claim);
                    running.Add(RunThenWakeAsync(id, claim, ct));
                }
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Never out of the loop: a background service that throws stops the whole host.
            LogClaimFailed(logger, e);
        }
    }

    private async Task RunThenWakeAsync(string id, string claim, CancellationToken ct)
    {
        await Task.Yield(); // the build runs beside the worker's loop, not inside it
        try
        {
            await runner.RunAsync(id, claim, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogRunFailed(logger, id, e);
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }

        Wake(); // room for the next one
    }

    /// <summary>Host, process and a worker id (two hosts in one process are two nodes), at most 80 characters.</summary>
    private static string NameOfThisNode()
    {
        var host = Environment.MachineName.Length > 40 ? Environment.MachineName[..40] : Environment.MachineName;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{host}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Export {Id} claimed as {Claim}")]
    private static partial void LogClaimed(ILogger logger, string id, string claim);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for exports to build failed; trying again at the next poll")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Building export {Id} failed unexpectedly; it is taken again after the claim timeout")]
    private static partial void LogRunFailed(ILogger logger, string id, Exception exception);
}
