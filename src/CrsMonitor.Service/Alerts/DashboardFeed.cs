namespace CrsMonitor.Service.Alerts;

/// <summary>
/// One hub connection on this node and, per unit of its token, the changes it has: a contiguous range of seqs
/// (<c>from</c>, <c>to</c>] sent to it, live or replayed, or seen by the client before (its Resume says so). Every
/// change is sent to a connection at most once, whether the live feed or a replay gets to it first: a replay never
/// repeats a live push and the live feed never repeats a replay. Its own lock orders the two.
/// </summary>
internal sealed class DashboardFeed : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, long> from;
    private readonly Dictionary<string, long> to;

    /// <param name="connectionId">The SignalR connection.</param>
    /// <param name="opened">Per unit, the last seq this node had pushed when the connection opened: it is sent what comes after.</param>
    public DashboardFeed(string connectionId, IReadOnlyDictionary<string, long> opened)
    {
        ConnectionId = connectionId;
        from = new Dictionary<string, long>(opened, StringComparer.Ordinal);
        to = new Dictionary<string, long>(opened, StringComparer.Ordinal);
    }

    public string ConnectionId { get; }

    public bool Follows(string unit) => to.ContainsKey(unit);

    /// <summary>The connection closed: a push or replay still waiting for it gives up (ObjectDisposedException).</summary>
    public void Dispose() => gate.Dispose();

    /// <summary>Sends the live <paramref name="changes"/> of <paramref name="unit"/> (in seq order) that this connection does not have.</summary>
    public async Task SendLiveAsync(IAlertClient client, string unit, IReadOnlyList<OutgoingChange> changes, CancellationToken ct)
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var change in changes.Where(c => c.Seq > to[unit]))
            {
                await change.SendAsync(client).ConfigureAwait(false);
                to[unit] = change.Seq;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Resume: sends the <paramref name="changes"/> of <paramref name="unit"/> after <paramref name="after"/> (read from
    /// the database, in seq order) that this connection does not have, and returns them; afterwards it has everything
    /// after <paramref name="after"/> up to the last of them, which is returned too.
    /// </summary>
    public async Task<(IReadOnlyList<OutgoingChange> Sent, long Last)> ReplayAsync(IAlertClient client, string unit, long after, IReadOnlyList<OutgoingChange> changes, CancellationToken ct)
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var sent = new List<OutgoingChange>();
            foreach (var change in changes.Where(c => c.Seq > after && (c.Seq <= from[unit] || c.Seq > to[unit])))
            {
                await change.SendAsync(client).ConfigureAwait(false);
                sent.Add(change);
            }

            var last = changes.Count > 0 ? changes[^1].Seq : after;
            if (after > to[unit])
            {
                from[unit] = after; // the client had these already (another node's feed, before a reconnect)
            }
            else
            {
                from[unit] = Math.Min(from[unit], after);
            }

            to[unit] = Math.Max(to[unit], Math.Max(after, last));
            return (sent, to[unit]);
        }
        finally
        {
            gate.Release();
        }
    }
}
