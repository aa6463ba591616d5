using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// Builds one export this node has claimed: the content (<see cref="IResearchExportContent"/>) as of the kick-off
/// instant, checked into NDJSON files (<see cref="NdjsonFiles"/>), stored with the status "completed" in one
/// transaction; a failure of the content is stored as "failed" with its message. While it builds, the claim is
/// refreshed every <see cref="RefreshInterval"/>; when the export is no longer running under this claim (its researcher
/// deleted it, or another node took it over after <c>ResearchExport:ClaimTimeoutMinutes</c>) the build is cancelled and
/// nothing is stored. A node that stops gives its exports back to the queue.
/// </summary>
public sealed partial class ExportRunner(
    Database database, ExportRuns runs, IServiceProvider services, IOptions<ResearchExportSettings> settings, TimeProvider time,
    ILogger<ExportRunner> logger)
{
    /// <summary>How often a running export's claim is refreshed (and a DELETE on another node noticed).</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    public async Task RunAsync(string id, string claim, CancellationToken stopping)
    {
        ExportJob? job;
        await using (var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false))
        {
            job = await ExportStore.FindAsync(connection, id, CancellationToken.None).ConfigureAwait(false);
        }

        if (job is not { Status: ExportStatus.Running } || job.ClaimedBy != claim)
        {
            return; // deleted or taken over between the claim and now
        }

        using var build = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var refresh = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        runs.Add(id, build);
        var refreshing = KeepClaimAsync(id, claim, build, refresh.Token);
        try
        {
            var scope = new ExportScope(new HashSet<string>(job.Types, StringComparer.Ordinal), job.TransactionTime);
            IReadOnlyList<NamedExportFile> files;
            try
            {
                // Resolved per run: the content is the research feature's (registered beside this one), not needed to start a host.
                var content = services.GetRequiredService<IResearchExportContent>();
                files = NdjsonFiles.Prepare(await content.BuildAsync(scope, build.Token).ConfigureAwait(false), scope);
            }
            catch (OperationCanceledException) when (build.IsCancellationRequested)
            {
                if (stopping.IsCancellationRequested)
                {
                    await ReleaseAsync(id, claim).ConfigureAwait(false);
                }
                else
                {
                    LogStopped(logger, id);
                }

                return;
            }
            catch (Exception e)
            {
                await FailAsync(id, claim, e).ConfigureAwait(false);
                return;
            }

            await refresh.CancelAsync().ConfigureAwait(false);
            await refreshing.ConfigureAwait(false);
            var now = time.GetUtcNow();
            if (await ExportStore.TryCompleteAsync(database, id, claim, now, now + settings.Value.Retention, files, CancellationToken.None).ConfigureAwait(false))
            {
                LogCompleted(logger, id, files.Count);
            }
            else
            {
                LogStopped(logger, id);
            }
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            // Nothing stored: the claim is no longer refreshed, so a node takes the export again after the claim timeout.
            LogDatabaseFailed(logger, id, e.Message);
        }
        finally
        {
            runs.Remove(id);
            await refresh.CancelAsync().ConfigureAwait(false);
            await refreshing.ConfigureAwait(false);
        }
    }

    private async Task KeepClaimAsync(string id, string claim, CancellationTokenSource build, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RefreshInterval, time, ct).ConfigureAwait(false);
                bool ours;
                try
                {
                    await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
                    ours = await ExportStore.RefreshClaimAsync(connection, id, claim, time.GetUtcNow(), ct).ConfigureAwait(false);
                }
                catch (Exception e) when (DbErrors.IsDatabaseFailure(e) && !ct.IsCancellationRequested)
                {
                    LogRefreshFailed(logger, id, e.Message);
                    continue;
                }

                if (!ours)
                {
                    await build.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The build ended (or the node is stopping).
        }
    }

    private async Task FailAsync(string id, string claim, Exception e)
    {
        LogFailed(logger, id, e);
        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await ExportStore.TryFailAsync(connection, id, claim, e.Message, now, now + settings.Value.Retention, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task ReleaseAsync(string id, string claim)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        if (await ExportStore.ReleaseAsync(connection, id, claim, CancellationToken.None).ConfigureAwait(false))
        {
            LogReleased(logger, id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Export {Id} completed: {Files} files")]
    private static partial void LogCompleted(ILogger logger, string id, int files);

    [LoggerMessage(Level = LogLevel.Information, Message = "Export {Id} stopped: deleted by its researcher or taken over by another node; nothing stored")]
    private static partial void LogStopped(ILogger logger, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Export {Id} given back to the queue: this node is stopping")]
    private static partial void LogReleased(ILogger logger, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export {Id} failed")]
    private static partial void LogFailed(ILogger logger, string id, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export {Id}: the database failed ({Reason}); it is taken again after the claim timeout")]
    private static partial void LogDatabaseFailed(ILogger logger, string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export {Id}: its claim could not be refreshed ({Reason}); trying again")]
    private static partial void LogRefreshFailed(ILogger logger, string id, string reason);
}
