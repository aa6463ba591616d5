using System.Text.Json;
using CrsMonitor.Grading;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// Reads one JSON object field by field, strictly: wrong JSON types, out-of-range numbers, unknown code words and
/// times without a UTC offset become errors keyed by the field's path. Every field name asked for counts as known;
/// <see cref="RejectUnknownFields"/> then reports any other field (a typo in a clinical calculator must not be
/// silently ignored). JSON <c>null</c> means "not given".
/// </summary>
internal sealed class JsonObjectReader
{
    private readonly JsonElement element;
    private readonly HashSet<string> known = new(StringComparer.Ordinal);

    private JsonObjectReader(JsonElement element, string path, ValidationErrors errors)
    {
        this.element = element;
        Path = path;
        Errors = errors;
    }

    public string Path { get; }

    public ValidationErrors Errors { get; }

    /// <summary>A reader for <paramref name="element"/>, or null (with an error) when it is not an object.</summary>
    public static JsonObjectReader? Open(JsonElement element, string path, ValidationErrors errors)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            return new JsonObjectReader(element, path, errors);
        }

        errors.Add(path.Length == 0 ? ValidationErrors.Body : path, "must be a JSON object");
        return null;
    }

    public string PathOf(string field) => Path.Length == 0 ? field : $"{Path}.{field}";

    /// <summary>Whether the field is present and not null (and marks it known).</summary>
    public bool Has(string field) => Value(field) is not null;

    public bool? Bool(string field) => Value(field) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => Fail<bool>(field, "must be true or false"),
    };

    /// <summary>Any JSON number that fits a decimal; the caller checks its range (e.g. a temperature against its unit).</summary>
    public decimal? Number(string field) => Value(field) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetDecimal(out var number) => number,
        _ => Fail<decimal>(field, "must be a number"),
    };

    public decimal? Decimal(string field, decimal min, decimal max, string unit)
    {
        var number = Number(field);
        if (number is null || (number >= min && number <= max))
        {
            return number;
        }

        return Fail<decimal>(field, $"must be from {min} to {max} {unit} (was {number})");
    }

    public int? Integer(string field, int min, int max)
    {
        if (Value(field) is not { } value)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }

        var got = value.ValueKind == JsonValueKind.Number ? $" (was {value.GetRawText()})" : string.Empty;
        return Fail<int>(field, $"must be a whole number from {min} to {max}{got}");
    }

    public TEnum? Code<TEnum>(string field, CodeTable<TEnum> table)
        where TEnum : struct, Enum =>
        Value(field) is { } value ? JsonValues.Code(value, PathOf(field), table, Errors) : null;

    /// <summary>A string of 1 to <paramref name="maxLength"/> characters (not only white space).</summary>
    public string? Text(string field, int maxLength) => Value(field) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value when value.GetString() is { } text && !string.IsNullOrWhiteSpace(text) && text.Length <= maxLength => text,
        _ => FailText(field, $"must be a non-empty string of at most {maxLength} characters"),
    };

    public DateTimeOffset? Instant(string field) => Value(field) is { } value ? JsonValues.Instant(value, PathOf(field), Errors) : null;

    public JsonObjectReader? Object(string field) => Value(field) is { } value ? Open(value, PathOf(field), Errors) : null;

    /// <summary>The items of an array field with their paths; null when absent or not an array (with an error).</summary>
    public IReadOnlyList<(JsonElement Item, string Path)>? Array(string field, int maxItems)
    {
        if (Value(field) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return Fail(field, "must be an array");
        }

        if (value.GetArrayLength() > maxItems)
        {
            return Fail(field, $"must have at most {maxItems} items");
        }

        return [.. value.EnumerateArray().Select((item, i) => (item, $"{PathOf(field)}[{i}]"))];
    }

    /// <summary>A list of code words; a single word is accepted as a list of one when <paramref name="singleAllowed"/>.</summary>
    public IReadOnlyList<TEnum>? CodeList<TEnum>(string field, CodeTable<TEnum> table, bool singleAllowed = false)
        where TEnum : struct, Enum
    {
        if (singleAllowed && Value(field) is { ValueKind: JsonValueKind.String } single)
        {
            return JsonValues.Code(single, PathOf(field), table, Errors) is { } one ? [one] : null;
        }

        return Array(field, 20)?.Select(i => JsonValues.Code(i.Item, i.Path, table, Errors)).OfType<TEnum>().ToList();
    }

    /// <summary>Reports every field that was never asked for, and any field given twice.</summary>
    public void RejectUnknownFields()
    {
        foreach (var group in element.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal))
        {
            if (!known.Contains(group.Key))
            {
                Errors.Add(PathOf(group.Key), $"unknown field '{PathOf(group.Key)}'{Suggestion(group.Key)}");
            }
            else if (group.Count() > 1)
            {
                Errors.Add(PathOf(group.Key), "is given more than once");
            }
        }
    }

    private JsonElement? Value(string field)
    {
        known.Add(field);
        return element.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
    }

    private T? Fail<T>(string field, string message)
        where T : struct
    {
        Errors.Add(PathOf(field), message);
        return null;
    }

    private string? FailText(string field, string message)
    {
        Errors.Add(PathOf(field), message);
        return null;
    }

    private IReadOnlyList<(JsonElement Item, string Path)>? Fail(string field, string message)
    {
        Errors.Add(PathOf(field), message);
        return null;
    }

    private string Suggestion(string unknown)
    {
        var best = known
            .Select(k => (Name: k, Distance: string.Equals(k, unknown, StringComparison.OrdinalIgnoreCase) ? 0 : JsonValues.Distance(k, unknown)))
            .OrderBy(k => k.Distance)
            .FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Min(2, unknown.Length / 3) ? $"; did you mean '{best.Name}'?" : string.Empty;
    }
}
