using System.Threading.Channels;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>The next instant a window must be looked at (null: nothing more to wake it for).</summary>
public sealed record WindowWake(string WindowId, DateTimeOffset? At);

/// <summary>
/// Wake-ups computed inside a transaction, handed to Quartz by <see cref="WindowScheduler"/> on its own task, so the
/// transaction never waits for Quartz (which on SQLite writes the same file and would wait for the transaction). A
/// wake-up of a transaction that then rolls back is harmless (the job re-reads the committed state); one lost in a
/// crash after commit is found by the watchdog, since the window row holds the same instant.
/// </summary>
public sealed class WakeUps
{
    private readonly Channel<WindowWake> channel = Channel.CreateUnbounded<WindowWake>(new UnboundedChannelOptions { SingleReader = true });
    private long pending;

    public void Enqueue(WindowWake wake)
    {
        Interlocked.Increment(ref pending);
        if (!channel.Writer.TryWrite(wake))
        {
            Interlocked.Decrement(ref pending);
        }
    }

    /// <summary>Wake-ups enqueued and not yet handed to Quartz.</summary>
    public long Pending => Interlocked.Read(ref pending);

    internal ChannelReader<WindowWake> Reader => channel.Reader;

    internal void Handled() => Interlocked.Decrement(ref pending);
}
