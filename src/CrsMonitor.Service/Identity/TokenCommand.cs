using System.Globalization;
using System.Text.RegularExpressions;
using CrsMonitor.Service.Hosting;

namespace CrsMonitor.Service.Identity;

/// <summary>
/// The <c>token</c> verb: prints one development bearer token on one line and exits, without starting the server.
/// Exit codes: 0 printed; 1 refused (OpenID Connect configured, unusable key or data folder); 2 bad arguments.
/// </summary>
public static partial class TokenCommand
{
    public const int Printed = 0;
    public const int Refused = 1;
    public const int BadArguments = 2;

    /// <summary>People default to a shift and may ask for up to a day.</summary>
    public const int PersonDefaultMinutes = 480;
    public const int PersonMaxMinutes = 1440;

    /// <summary>Integration tokens are short-lived (reliability-security.md: at most 300 s).</summary>
    public const int IntegrationMaxMinutes = 5;

    public const string Usage = """
        usage: CrsMonitor.Service token --role <nurse|physician|integration|admin|researcher> [--unit <location id>]... [--sub <user id>] [--minutes N]
          --role     required; the role claim
          --unit     a unit (FHIR Location id, e.g. 7W) the user works on; repeat for several
          --sub      the user or client id (default dev-<role>)
          --minutes  lifetime (default 480, at most 1440; integration: default and at most 5)
        Prints one bearer token signed with the development key in the data folder.
        """;

    public static int Run(
        IReadOnlyList<string> args, IdentitySettings settings, DataDirectory data, TimeProvider time, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Any(a => a is "--help" or "-h"))
        {
            stdout.WriteLine(Usage);
            return Printed;
        }

        var request = Parse(args, out var errors);
        if (errors.Count > 0)
        {
            errors.ForEach(e => stderr.WriteLine($"token: {e}"));
            stderr.WriteLine(Usage);
            return BadArguments;
        }

        if (settings.UsesOpenIdConnect)
        {
            stderr.WriteLine("token: refused: Identity:Authority/Identity:Audience are configured (OpenID Connect), so tokens come from the hospital's identity provider and the development key is not accepted. Remove both settings to use development tokens.");
            return Refused;
        }

        if (settings.Problems() is { Count: > 0 } problems)
        {
            problems.ToList().ForEach(p => stderr.WriteLine($"token: {p}"));
            return Refused;
        }

        try
        {
            var key = DevSigningKey.LoadOrCreate(data, time);
            stdout.WriteLine(DevTokenIssuer.Issue(key, settings, time, request.Role, request.Units, request.Subject, request.Lifetime));
            return Printed;
        }
        catch (StartupConfigurationException e)
        {
            stderr.WriteLine($"token: {e.Message}");
            return Refused;
        }
    }

    private static TokenRequest Parse(IReadOnlyList<string> args, out List<string> errors)
    {
        errors = [];
        string? role = null, subject = null, minutesText = null;
        var units = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] && n.StartsWith("--", StringComparison.Ordinal) ? (n, v) : (args[i], null);
            if (name is not ("--role" or "--unit" or "--sub" or "--minutes"))
            {
                errors.Add($"unknown option '{args[i]}'");
                continue;
            }

            var value = inline ?? (i + 1 < args.Count ? args[++i] : null);
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{name} needs a value");
                continue;
            }

            switch (name)
            {
                case "--role":
                    role = value;
                    break;
                case "--sub":
                    subject = value;
                    break;
                case "--minutes":
                    minutesText = value;
                    break;
                default:
                    units.Add(value);
                    break;
            }
        }

        if (role is null)
        {
            errors.Add("--role is required");
        }
        else if (!Roles.All.Contains(role))
        {
            errors.Add($"unknown role '{role}'; one of: {string.Join(", ", Roles.All)}");
        }

        errors.AddRange(units.Where(u => !UnitId().IsMatch(u)).Select(u => $"--unit '{u}' is not a location id (letters, digits, '-' and '.', at most 64)"));
        if (subject is not null && (subject.Length > 256 || subject.Any(char.IsControl)))
        {
            errors.Add("--sub must be at most 256 printable characters");
        }

        var integration = role == Roles.Integration;
        var max = integration ? IntegrationMaxMinutes : PersonMaxMinutes;
        var minutes = integration ? IntegrationMaxMinutes : PersonDefaultMinutes;
        if (minutesText is not null
            && (!int.TryParse(minutesText, NumberStyles.None, CultureInfo.InvariantCulture, out minutes) || minutes < 1 || minutes > max))
        {
            errors.Add(integration
                ? $"--minutes '{minutesText}' is not allowed: integration tokens live 1 to {max} minutes (at most 300 s)"
                : $"--minutes '{minutesText}' must be a whole number from 1 to {max}");
        }

        return new TokenRequest(role ?? string.Empty, [.. units.Distinct(StringComparer.Ordinal)], subject ?? $"dev-{role}", TimeSpan.FromMinutes(minutes));
    }

    [GeneratedRegex("^[A-Za-z0-9.-]{1,64}$")]
    private static partial Regex UnitId();

    private sealed record TokenRequest(string Role, IReadOnlyList<string> Units, string Subject, TimeSpan Lifetime);
}
