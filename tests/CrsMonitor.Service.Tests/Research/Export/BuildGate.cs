using CrsMonitor.Service.Research.Export;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>
/// A build that blocks until released (then answers the scripted files), so a test sees an export in progress: how many
/// builds entered it, and whether a build was cancelled while it waited.
/// </summary>
internal sealed class BuildGate
{
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int entered;
    private int cancelled;

    public int Entered => Volatile.Read(ref entered);

    public int Cancelled => Volatile.Read(ref cancelled);

    public void Release() => release.TrySetResult();

    public async Task<IReadOnlyList<ExportFile>> BuildAsync(ExportScope scope, CancellationToken ct)
    {
        Interlocked.Increment(ref entered);
        try
        {
            await release.Task.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref cancelled);
            throw;
        }

        return await TestExportContent.Scripted(scope, ct);
    }
}
