namespace CrsMonitor.Service.Storage.Backup;

/// <summary>
/// The options of the <c>backup</c> and <c>restore</c> verbs (<c>--to PATH</c>, <c>--from PATH</c>, <c>--force</c>), read
/// here and taken out of the arguments the configuration sees: ASP.NET Core's command-line provider would read
/// <c>--force --Storage:Provider=postgres</c> as the key <c>force</c> with the value <c>--Storage:Provider=postgres</c>,
/// silently losing the setting.
/// </summary>
public sealed record BackupArguments(string? To, string? From, bool Force)
{
    private static readonly string[] WithValue = ["--to", "--from"];

    /// <summary>Whether <paramref name="args"/> run the <c>backup</c> or <c>restore</c> verb.</summary>
    public static bool IsVerb(IReadOnlyList<string> args) => args is ["backup" or "restore", ..];

    /// <summary>Reads the verb's options from <paramref name="args"/> (the verb first); settings (<c>--Section:Key=value</c>) are left alone.</summary>
    public static BackupArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var (to, from, force) = ((string?)null, (string?)null, false);
        for (var i = 1; i < args.Count; i++)
        {
            var (name, value) = Split(args, ref i);
            switch (name)
            {
                case "--to":
                    to = value;
                    break;
                case "--from":
                    from = value;
                    break;
                case "--force":
                    force = true;
                    break;
            }
        }

        return new BackupArguments(to, from, force);
    }

    /// <summary><paramref name="args"/> without the verb and its own options: what the configuration may read.</summary>
    public static string[] ConfigurationArguments(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var kept = new List<string>();
        for (var i = 1; i < args.Count; i++)
        {
            var start = i;
            var (name, _) = Split(args, ref i);
            if (name is null)
            {
                kept.AddRange(args.Skip(start).Take(i - start + 1));
            }
        }

        return [.. kept];
    }

    /// <summary>The verb option at <paramref name="i"/> and its value (<c>--to PATH</c> or <c>--to=PATH</c>), moving past it; null name when it is none of ours.</summary>
    private static (string? Name, string? Value) Split(IReadOnlyList<string> args, ref int i)
    {
        var arg = args[i];
        if (arg == "--force")
        {
            return (arg, null);
        }

        foreach (var option in WithValue)
        {
            if (arg.StartsWith(option + "=", StringComparison.Ordinal))
            {
                return (option, arg[(option.Length + 1)..]);
            }

            if (arg == option)
            {
                var value = i + 1 < args.Count ? args[++i] : null;
                return (option, value);
            }
        }

        return (null, null);
    }
}
