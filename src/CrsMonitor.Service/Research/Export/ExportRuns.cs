using System.Collections.Concurrent;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// The exports this node is building, by id, each with the source that cancels its build: a DELETE answered on this
/// node stops the build at once (a DELETE on another node is seen at the builder's next claim refresh).
/// </summary>
public sealed class ExportRuns
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> running = new(StringComparer.Ordinal);

    public void Add(string id, CancellationTokenSource cancellation) => running[id] = cancellation;

    public void Remove(string id) => running.TryRemove(id, out _);

    /// <summary>Cancels the build of <paramref name="id"/> if this node runs it; true when it did.</summary>
    public bool Cancel(string id)
    {
        if (!running.TryGetValue(id, out var cancellation))
        {
            return false;
        }

        try
        {
            cancellation.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false; // the build ended meanwhile
        }
    }
}
