using System.Data.Common;
using System.Text.Json;
using System.Threading.Channels;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// Wakes this node's <see cref="AlertFeed"/>: rung after a transaction that wrote alert changes commits (the feed then
/// reads the committed changes by seq), by <see cref="ChangeListener"/> when another node committed some, and by
/// <see cref="FollowPoll"/> to catch up on anything a wake-up missed. A ring of a transaction that rolls back never
/// sounds. A patient's status change (no seq: the dashboard re-reads the census row) is announced the same way, and on
/// PostgreSQL, once committed, to the other nodes too (<see cref="StatusAnnouncer"/>).
/// </summary>
public sealed class AlertBell(StatusAnnouncer announcer)
{
    private readonly Channel<Signal> channel = Channel.CreateUnbounded<Signal>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>This process among the nodes: a status change it announced comes back to it through LISTEN and is not sent twice.</summary>
    public string Node { get; } = Guid.NewGuid().ToString("N");

    internal ChannelReader<Signal> Reader => channel.Reader;

    public void Ring(DbTransaction transaction, string unit) => Database.AfterCommit(transaction, () => Wake(unit));

    /// <summary>The census row of <paramref name="patientId"/> on <paramref name="unit"/> changed with this transaction.</summary>
    public void StatusChanged(DbTransaction transaction, string unit, string patientId, DateTimeOffset at)
    {
        var change = new PatientStatusChange(unit, patientId, at);
        Database.AfterCommit(transaction, () =>
        {
            channel.Writer.TryWrite(new Signal(unit, change));
            announcer.Announce(new StatusNotice(Node, change));
        });
    }

    /// <summary>Unit <paramref name="unit"/> has committed changes this node may not have pushed.</summary>
    internal void Wake(string unit) => channel.Writer.TryWrite(new Signal(unit, null));

    /// <summary>Any unit may have: the feed compares every unit's last seq with what it pushed.</summary>
    internal void CatchUp() => channel.Writer.TryWrite(Signal.CatchUp);

    /// <summary>A status change another node announced (<see cref="ChangeListener"/>); this node's own are ignored.</summary>
    internal void Announced(string payload)
    {
        var notice = JsonSerializer.Deserialize<StatusNotice>(payload, AlertDocument.Json);
        if (notice is { Change: { } change } && notice.Node != Node)
        {
            channel.Writer.TryWrite(new Signal(change.Unit, change));
        }
    }

    /// <summary>A unit to push (<see cref="Status"/> null), a status change to pass on, or (unit null) a catch-up of every unit.</summary>
    internal sealed record Signal(string? Unit, PatientStatusChange? Status)
    {
        public static readonly Signal CatchUp = new(null, null);
    }

    /// <summary>A status change as NOTIFY carries it between nodes.</summary>
    internal sealed record StatusNotice(string Node, PatientStatusChange Change);
}
