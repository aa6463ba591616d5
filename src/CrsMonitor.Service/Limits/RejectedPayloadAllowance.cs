using System.Collections.Concurrent;
using System.Globalization;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Limits;

/// <summary>
/// How much of its rejected bodies a client may have kept in full: <see cref="LimitSettings.RejectedBodyBytesPerClient"/>
/// within the rolling <see cref="LimitSettings.RejectedBodyWindow"/> (counted in 60 slots of the window, on the service's
/// <see cref="TimeProvider"/>). Past it, a rejected request is still kept, with its OperationOutcome, but its body only as
/// its first <see cref="LimitSettings.RejectedBodyHeadBytes"/> with its length and SHA-256
/// (<see cref="RejectedPayloadStore.HeadOnly"/>): every rejection stays visible to the interface team, and storage is bounded.
/// <para>
/// Counted in memory, per process: a restart or each node of a cluster starts a client's count afresh (at most one more
/// allowance per restart or node), and nothing is read from the table on the rejection path.
/// </para>
/// </summary>
public sealed class RejectedPayloadAllowance(IOptions<LimitSettings> settings, TimeProvider time)
{
    private const int Slots = 60;

    private readonly ConcurrentDictionary<string, Usage> clients = new(StringComparer.Ordinal);

    /// <summary>The payload to keep for <paramref name="body"/>: as given while the client is within its allowance, else head only.</summary>
    public RejectedPayload Apply(RejectedPayload payload, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var limits = settings.Value;
        var kept = Math.Min(body.Length, RejectedPayloadStore.MaxBodyChars);
        if (kept <= limits.RejectedBodyHeadBytes)
        {
            return payload; // no larger than a head: nothing to save
        }

        var slotLength = limits.RejectedBodyWindow / Slots;
        var slot = time.GetUtcNow().UtcTicks / slotLength.Ticks;
        var usage = clients.GetOrAdd(payload.ClientId ?? string.Empty, _ => new Usage());
        if (usage.TryAdd(slot, kept, limits.RejectedBodyBytesPerClient))
        {
            return payload;
        }

        Forget(slot);
        var why = string.Create(CultureInfo.InvariantCulture,
            $"This client's rejected bodies kept in full reached Limits:RejectedBodyBytesPerClient ({limits.RejectedBodyBytesPerClient} bytes per {limits.RejectedBodyWindow:c})");
        return RejectedPayloadStore.HeadOnly(payload, body, limits.RejectedBodyHeadBytes, why);
    }

    /// <summary>Drops the counts of clients with nothing left in the window (only when some client is over its allowance).</summary>
    private void Forget(long slot)
    {
        foreach (var (client, usage) in clients)
        {
            if (usage.IsEmptySince(slot - Slots + 1))
            {
                clients.TryRemove(client, out _);
            }
        }
    }

    private sealed class Usage
    {
        private readonly Lock gate = new();
        private readonly long[] slots = new long[Slots];
        private readonly long[] bytes = new long[Slots];

        /// <summary>Counts <paramref name="size"/> in <paramref name="slot"/> if the window's total stays within <paramref name="allowance"/>.</summary>
        public bool TryAdd(long slot, long size, long allowance)
        {
            lock (gate)
            {
                long total = 0;
                for (var i = 0; i < Slots; i++)
                {
                    if (slots[i] > slot - Slots)
                    {
                        total += bytes[i];
                    }
                }

                if (total + size > allowance)
                {
                    return false;
                }

                var at = (int)(slot % Slots);
                if (slots[at] != slot)
                {
                    slots[at] = slot;
                    bytes[at] = 0;
                }

                bytes[at] += size;
                return true;
            }
        }

        public bool IsEmptySince(long firstSlot)
        {
            lock (gate)
            {
                for (var i = 0; i < Slots; i++)
                {
                    if (slots[i] >= firstSlot && bytes[i] > 0)
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }
}
