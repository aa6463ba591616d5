using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// Watches a page's SignalR WebSocket to <c>/hubs/alerts</c> (JSON hub protocol): every frame the page receives, and
/// how many times the page's <c>Resume</c> call has been answered (a completion message, type 3: the only invocation
/// the dashboard makes). A completed Resume is the moment hub.js marks the page connected and pushes reach it.
/// </summary>
public sealed class HubWatcher
{
    private readonly ConcurrentQueue<string> received = new();
    private readonly List<(int Count, TaskCompletionSource Done)> waiters = [];
    private int resumes;

    public HubWatcher(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.WebSocket += (_, socket) =>
        {
            if (!socket.Url.Contains("/hubs/alerts", StringComparison.Ordinal))
            {
                return;
            }

            socket.FrameReceived += (_, frame) => OnFrame(frame.Text);
        };
    }

    /// <summary>Every text frame received from the hub, in order (messages end with the 0x1E record separator).</summary>
    public IReadOnlyList<string> Received => [.. received];

    public int Resumes => Volatile.Read(ref resumes);

    /// <summary>Completes when the page's Resume has been answered at least <paramref name="count"/> times.</summary>
    public async Task WaitForResumeAsync(int count, TimeSpan timeout)
    {
        TaskCompletionSource done;
        lock (waiters)
        {
            if (resumes >= count)
            {
                return;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((count, done));
        }

        try
        {
            await done.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the page's hub connection did not complete Resume #{count} within {timeout.TotalSeconds} s (completed: {Resumes})");
        }
    }

    private void OnFrame(string? text)
    {
        if (text is null)
        {
            return;
        }

        received.Enqueue(text);
        var completions = text.Split('\u001e').Count(m => m.Contains("\"type\":3", StringComparison.Ordinal));
        if (completions == 0)
        {
            return;
        }

        lock (waiters)
        {
            resumes += completions;
            foreach (var waiter in waiters.Where(w => w.Count <= resumes).ToList())
            {
                waiter.Done.TrySetResult();
                waiters.Remove(waiter);
            }
        }
    }
}
