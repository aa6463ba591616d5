using System.Globalization;
using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Limits;

/// <summary>
/// Configuration section <c>Limits</c>: how many requests a client may make (a token bucket per client: a sustained
/// rate and a burst), and how much of its rejected FHIR bodies is kept in full.
/// </summary>
public sealed record LimitSettings
{
    public const string SectionName = "Limits";

    /// <summary>An integration client (role <c>integration</c>), per token subject: an interface engine's feed.</summary>
    public RequestBudget Integration { get; init; } = new() { RequestsPerSecond = 1000, Burst = 2000 };

    /// <summary>A person (nurse, physician, admin), per token subject: the dashboard and the bedside form.</summary>
    public RequestBudget Staff { get; init; } = new() { RequestsPerSecond = 20, Burst = 100 };

    /// <summary>A request without a valid token, per remote address: health probes, metadata, sign-in.</summary>
    public RequestBudget Anonymous { get; init; } = new() { RequestsPerSecond = 5, Burst = 20 };

    /// <summary>Rejected bodies a client may have kept in full within <see cref="RejectedBodyWindow"/> (bytes).</summary>
    public long RejectedBodyBytesPerClient { get; init; } = 10L * 1024 * 1024;

    /// <summary>The rolling window <see cref="RejectedBodyBytesPerClient"/> counts over.</summary>
    public TimeSpan RejectedBodyWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Over the allowance, this many bytes of the head of a rejected body are kept (with its length and SHA-256).</summary>
    public int RejectedBodyHeadBytes { get; init; } = 4096;

    public static LimitSettings FromConfiguration(IConfiguration configuration) =>
        SettingsBinding.Bind(configuration, SectionName, new LimitSettings());

    /// <summary>Everything wrong with these limits, each naming its setting; empty when they can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        Check(problems, nameof(Integration), Integration);
        Check(problems, nameof(Staff), Staff);
        Check(problems, nameof(Anonymous), Anonymous);
        if (RejectedBodyBytesPerClient is < 0 or > 1024L * 1024 * 1024)
        {
            problems.Add($"{SectionName}:{nameof(RejectedBodyBytesPerClient)} must be from 0 to 1073741824 bytes (was {RejectedBodyBytesPerClient}).");
        }

        if (RejectedBodyWindow < TimeSpan.FromMinutes(1) || RejectedBodyWindow > TimeSpan.FromDays(30))
        {
            problems.Add($"{SectionName}:{nameof(RejectedBodyWindow)} must be from 00:01:00 to 30.00:00:00 (was {RejectedBodyWindow.ToString("c", CultureInfo.InvariantCulture)}).");
        }

        if (RejectedBodyHeadBytes is < 0 or > 1024 * 1024)
        {
            problems.Add($"{SectionName}:{nameof(RejectedBodyHeadBytes)} must be from 0 to 1048576 bytes (was {RejectedBodyHeadBytes}).");
        }

        return problems;
    }

    private static void Check(List<string> problems, string name, RequestBudget budget)
    {
        if (!double.IsFinite(budget.RequestsPerSecond) || budget.RequestsPerSecond is < 0.01 or > 1_000_000)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{SectionName}:{name}:{nameof(RequestBudget.RequestsPerSecond)} must be from 0.01 to 1000000 (was {budget.RequestsPerSecond})."));
        }

        if (budget.Burst is < 1 or > 10_000_000)
        {
            problems.Add($"{SectionName}:{name}:{nameof(RequestBudget.Burst)} must be from 1 to 10000000 (was {budget.Burst}).");
        }
    }
}

/// <summary>A token bucket: <see cref="Burst"/> requests at once, refilled at <see cref="RequestsPerSecond"/>.</summary>
public sealed record RequestBudget
{
    public double RequestsPerSecond { get; init; }

    public int Burst { get; init; }
}

/// <summary>Stops start-up when <see cref="LimitSettings.Problems"/> finds anything.</summary>
internal sealed class LimitSettingsValidator : IValidateOptions<LimitSettings>
{
    public ValidateOptionsResult Validate(string? name, LimitSettings options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
