using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

/// <summary>Section <c>Alerts</c>: escalation tiers, the hub's Origin allow-list, the escalation worker's tick, the round settle.</summary>
public sealed class AlertSettings
{
    public const string SectionName = "Alerts";

    /// <summary>The default tiers: nurses; after 5 minutes the covering physician; after 10 more the attending.</summary>
    public static readonly IReadOnlyList<EscalationTier> DefaultEscalation =
    [
        new() { Name = "unit-nurses", AfterMinutes = 0 },
        new() { Name = "covering-physician", AfterMinutes = 5 },
        new() { Name = "attending", AfterMinutes = 15 },
    ];

    /// <summary>
    /// Who an unacknowledged alert reaches, in order, and after how many minutes from its raising (cumulative); the
    /// first tier (0 minutes) is the unit's nurses. Empty (not configured): <see cref="DefaultEscalation"/>. (A
    /// configured list replaces the default; the configuration binder would append to a non-empty default.)
    /// </summary>
    public IReadOnlyList<EscalationTier> Escalation { get; init; } = [];

    public IReadOnlyList<EscalationTier> Tiers => Escalation.Count == 0 ? DefaultEscalation : Escalation;

    /// <summary>Origins (scheme://host[:port]) other than the service's own allowed to open the hub (no wildcard).</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>How often the escalation worker looks for alerts due to escalate.</summary>
    public int EscalationCheckSeconds { get; init; } = 15;

    /// <summary>
    /// How long the reading-derived alerts of a patient wait after the first write of a round (section 7: a round's
    /// vital signs arrive as separate resources, minutes apart, in any order), so they are evaluated on the complete
    /// round. 0: at once, on every write. Grades, status and census never wait.
    /// </summary>
    public int RoundSettleMinutes { get; init; } = 15;

    public TimeSpan RoundSettle => TimeSpan.FromMinutes(RoundSettleMinutes);

    /// <summary>
    /// How often (real time) each node reads every unit's last seq to push what other nodes committed: the delivery
    /// bound on SQL Server, a safety net on PostgreSQL (notifications arrive at once). 50–1000.
    /// </summary>
    public int FollowPollMilliseconds { get; init; } = 500;

    /// <summary>
    /// PostgreSQL: whether each node keeps a connection listening for other nodes' alert changes (NOTIFY). Off where
    /// LISTEN cannot work (a pooler in transaction mode, e.g. PgBouncer): the follow poll then delivers them alone.
    /// </summary>
    public bool ListenToDatabase { get; init; } = true;

    public DateTimeOffset? NextEscalation(DateTimeOffset raisedAt, int tier) =>
        tier + 1 < Tiers.Count ? raisedAt + TimeSpan.FromMinutes(Tiers[tier + 1].AfterMinutes) : null;

    /// <summary>When the tier after <paramref name="tier"/> is due, given the instant <paramref name="tier"/> became due.</summary>
    public DateTimeOffset? NextEscalationAfter(DateTimeOffset tierDueAt, int tier) =>
        tier + 1 < Tiers.Count ? tierDueAt + TimeSpan.FromMinutes(Tiers[tier + 1].AfterMinutes - Tiers[tier].AfterMinutes) : null;

    public string TierName(int tier) => tier < Tiers.Count ? Tiers[tier].Name : $"tier-{tier}";
}

public sealed class EscalationTier
{
    public string Name { get; init; } = "";

    public int AfterMinutes { get; init; }
}

public sealed class AlertSettingsValidator : IValidateOptions<AlertSettings>
{
    public ValidateOptionsResult Validate(string? name, AlertSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var tiers = options.Tiers;
        if (tiers[0].AfterMinutes != 0)
        {
            failures.Add("Alerts:Escalation must start with the unit's nurses at AfterMinutes 0.");
        }

        for (var i = 1; i < tiers.Count; i++)
        {
            if (tiers[i].AfterMinutes <= tiers[i - 1].AfterMinutes)
            {
                failures.Add($"Alerts:Escalation:{i}:AfterMinutes ({tiers[i].AfterMinutes}) must be later than the tier before ({tiers[i - 1].AfterMinutes}): minutes count from the raising of the alert.");
            }
        }

        if (options.FollowPollMilliseconds is < 50 or > 1000)
        {
            failures.Add($"Alerts:FollowPollMilliseconds ({options.FollowPollMilliseconds}) must be 50-1000: it bounds how late an alert committed on another node reaches this node's dashboards.");
        }

        if (tiers.Any(t => string.IsNullOrWhiteSpace(t.Name)))
        {
            failures.Add("Alerts:Escalation: every tier needs a Name.");
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || origin.Contains('*', StringComparison.Ordinal))
            {
                failures.Add($"Alerts:AllowedOrigins: '{origin}' must be an origin such as https://ward.example.org (scheme, host, optional port; no path, no wildcard).");
            }
        }

        if (options.EscalationCheckSeconds is < 1 or > 300)
        {
            failures.Add("Alerts:EscalationCheckSeconds must be from 1 to 300.");
        }

        if (options.RoundSettleMinutes is < 0 or > 60)
        {
            failures.Add("Alerts:RoundSettleMinutes must be from 0 to 60 (0: alerts are evaluated at once on every write).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
