using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CrsMonitor.Grading;
using CrsMonitor.Service.Ingest;

namespace CrsMonitor.Service.Assessment;

/// <summary>Single JSON values: code words, instants, and the edit distance behind "did you mean" hints.</summary>
internal static partial class JsonValues
{
    private const string InstantExample = "2025-03-01T10:30:00Z";

    public static TEnum? Code<TEnum>(JsonElement value, string path, CodeTable<TEnum> table, ValidationErrors errors)
        where TEnum : struct, Enum
    {
        var allowed = string.Join(", ", table.Codes);
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(path, $"must be a string, one of: {allowed}");
            return null;
        }

        if (table.TryParse(value.GetString(), out var parsed))
        {
            return parsed;
        }

        errors.Add(path, $"'{Shorten(value.GetString())}' is not one of: {allowed}");
        return null;
    }

    /// <summary>FHIR dateTime rule: a time with hours must carry its zone (Z or ±hh:mm); seconds are optional here.</summary>
    public static DateTimeOffset? Instant(JsonElement value, string path, ValidationErrors errors)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : null;
        var match = text is null ? null : InstantPattern().Match(text);
        if (match is { Success: true } && !match.Groups["zone"].Success)
        {
            errors.Add(path, $"'{text}' has no UTC offset: add Z or ±hh:mm, e.g. {InstantExample} (a time without a zone is ambiguous)");
            return null;
        }

        if (match is { Success: true } && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            if (SupportedInstants.Contains(instant))
            {
                return instant;
            }

            errors.Add(path, SupportedInstants.Problem(text!));
            return null;
        }

        if (match is { Success: true } && YearOf(text!) is < 1900 or >= 2200)
        {
            // Year 1 with a positive offset (or 9999 with a negative one) is not even a DateTimeOffset.
            errors.Add(path, SupportedInstants.Problem(text!));
            return null;
        }

        errors.Add(path, text is null
            ? $"must be a date-time string with a UTC offset, e.g. {InstantExample}"
            : $"'{Shorten(text)}' is not a date-time with a UTC offset, e.g. {InstantExample}");
        return null;
    }

    private static int YearOf(string text) => int.Parse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture);

    private static string Shorten(string? text) => text is { Length: > 60 } ? $"{text[..60]}…" : text ?? string.Empty;

    /// <summary>Levenshtein distance, for "did you mean" hints on short field names.</summary>
    public static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            previous = current;
        }

        return previous[b.Length];
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(?<zone>Z|[+-]\d{2}:\d{2})?$")]
    private static partial Regex InstantPattern();
}
