namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// One message key handled at a time on this node: a copy of a message arriving on another connection while the first
/// is being committed waits for it, then finds its answer in the log, instead of racing it to the log's key (where on
/// PostgreSQL the loser may be told of the conflict a moment before the winner's row can be read). Copies arriving at
/// two nodes at once still meet at the key: the later is answered, or closed without an ACK and resent.
/// </summary>
internal sealed class MessageGate
{
    private readonly Dictionary<MessageKey, Entry> held = [];

    public async Task<IDisposable> EnterAsync(MessageKey key, CancellationToken ct)
    {
        Entry entry;
        lock (held)
        {
            if (!held.TryGetValue(key, out entry!))
            {
                held[key] = entry = new Entry();
            }

            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            Leave(key, entry, release: false);
            throw;
        }

        return new Pass(() => Leave(key, entry, release: true));
    }

    private void Leave(MessageKey key, Entry entry, bool release)
    {
        if (release)
        {
            entry.Semaphore.Release();
        }

        lock (held)
        {
            if (--entry.Users == 0)
            {
                held.Remove(key);
                entry.Semaphore.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Pass(Action leave) : IDisposable
    {
        public void Dispose() => leave();
    }
}
