using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// The first step of <see cref="FhirJson.Parse"/>: one pass over the raw JSON with <see cref="Utf8JsonReader"/> that
/// checks what the FHIR parser either does not check or answers with an exception: well-formed JSON (no comments,
/// trailing commas or trailing data), valid UTF-8, nesting at most <see cref="FhirJson.MaxDepth"/>, an object at the
/// root with a string <c>resourceType</c> naming a FHIR R4 resource (the one of the URL, when given), no property
/// given twice in any object (a JSON parser would silently keep one of the two values), only text every database can
/// store in strings and property names (<see cref="StorableText"/>, each refusal naming the element), and at most a
/// given number of JSON values (counted before the parser, whose cost grows with them).
/// </summary>
internal sealed class JsonScan
{
    private readonly List<OperationOutcome.IssueComponent> issues = [];
    private readonly List<Container> containers = [];

    /// <summary>Strings holding a character that may not be stored: their path (without the resource type) and why.</summary>
    private readonly List<(string Path, string Problem)> unstorable = [];

    private JsonScan()
    {
    }

    public IReadOnlyList<OperationOutcome.IssueComponent> Issues => issues;

    /// <summary>The root's resourceType when it is a known FHIR resource type.</summary>
    public string? ResourceType { get; private set; }

    /// <summary>Scans <paramref name="json"/>; more than <paramref name="maxValues"/> JSON values stop the scan with one issue.</summary>
    public static JsonScan Run(ReadOnlySpan<byte> json, string? expectedType, int maxValues)
    {
        var scan = new JsonScan();
        scan.Scan(json, expectedType, maxValues);
        return scan;
    }

    private void Scan(ReadOnlySpan<byte> json, string? expectedType, int maxValues)
    {
        if (json.IsEmpty || json.Trim(" \t\r\n"u8).IsEmpty)
        {
            Add(OperationOutcome.IssueType.Structure, "Resource", "Resource: the body is empty; send one FHIR resource as a JSON object");
            return;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions
        {
            MaxDepth = FhirJson.MaxDepth,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });
        string? rootType = null;
        var rootTypeSeen = false;
        var duplicates = new List<string>();
        var values = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.PropertyName or JsonTokenType.EndObject or JsonTokenType.EndArray) && ++values > maxValues)
                {
                    // Counted before anything costly happens: the parser's cost (and its list of findings) grows with it.
                    var where = PathOf(null, rootType);
                    issues.Add(FhirOutcomes.Issue(OperationOutcome.IssueSeverity.Error, OperationOutcome.IssueType.TooCostly, where,
                        string.Create(CultureInfo.InvariantCulture, $"{where}: the body holds more than {maxValues:N0} JSON values, the limit for one request; send fewer elements"),
                        location: string.Create(CultureInfo.InvariantCulture, $"byte {reader.TokenStartIndex + 1}")));
                    return;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        if (containers.Count == 0 && reader.TokenType == JsonTokenType.StartArray)
                        {
                            RootNotObject("an array");
                            return;
                        }

                        CountValue();
                        containers.Add(new Container(reader.TokenType == JsonTokenType.StartArray));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        containers.RemoveAt(containers.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = ReadString(ref reader);
                        CheckText(name, name);
                        var top = containers[^1];
                        if (!top.Names!.Add(name))
                        {
                            duplicates.Add(PathOf(name));
                        }

                        top.Current = name;
                        if (containers.Count == 1 && name == "resourceType")
                        {
                            rootTypeSeen = true;
                            reader.Read();
                            if (reader.TokenType == JsonTokenType.String)
                            {
                                // Given twice: the first names the resource, the second is reported as a duplicate.
                                var type = ReadString(ref reader);
                                rootType ??= type;
                            }
                            else
                            {
                                Add(OperationOutcome.IssueType.Structure, "Resource.resourceType", "Resource.resourceType must be a JSON string naming the resource type");
                                reader.Skip();
                            }
                        }

                        break;
                    case JsonTokenType.String:
                        if (containers.Count == 0)
                        {
                            RootNotObject("a string");
                            return;
                        }

                        var text = ReadString(ref reader);
                        CountValue();
                        CheckText(text, null);
                        break;
                    default:
                        if (containers.Count == 0)
                        {
                            RootNotObject(reader.TokenType switch
                            {
                                JsonTokenType.Null => "null",
                                JsonTokenType.Number => "a number",
                                _ => "true or false",
                            });
                            return;
                        }

                        CountValue();
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            var depthExceeded = reader.CurrentDepth >= FhirJson.MaxDepth - 1 && e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase);
            var where = string.Create(CultureInfo.InvariantCulture, $"line {(e.LineNumber ?? 0) + 1}, position {(e.BytePositionInLine ?? 0) + 1}");
            var text = depthExceeded
                ? $"the JSON nests deeper than {FhirJson.MaxDepth} levels, the limit"
                : $"the body is not valid JSON at {where}: {Plain(e.Message)}";
            issues.Add(FhirOutcomes.Issue(OperationOutcome.IssueSeverity.Error, depthExceeded ? OperationOutcome.IssueType.TooCostly : OperationOutcome.IssueType.Structure,
                PathOf(null, rootType), $"{PathOf(null, rootType)}: {text}", location: where));
            return;
        }
        catch (InvalidUtf8Exception)
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"byte {reader.TokenStartIndex + 1}");
            issues.Add(FhirOutcomes.Issue(OperationOutcome.IssueSeverity.Error, OperationOutcome.IssueType.Structure,
                PathOf(null, rootType), $"{PathOf(null, rootType)}: the text is not valid UTF-8 at {where}", location: where));
            return;
        }

        var typeName = rootType is not null && ModelInfo.IsKnownResource(rootType) && rootType is not ("Resource" or "DomainResource") ? rootType : null;
        ResourceType = typeName;
        if (!rootTypeSeen)
        {
            Add(OperationOutcome.IssueType.Required, "Resource.resourceType",
                $"Resource.resourceType is missing: a FHIR resource names its type{(expectedType is null ? string.Empty : $" (here \"{expectedType}\")")}");
        }
        else if (rootType is not null && typeName is null)
        {
            Add(OperationOutcome.IssueType.CodeInvalid, "Resource.resourceType", $"Resource.resourceType '{Shorten(rootType)}' is not a FHIR R4 resource type");
        }
        else if (typeName is not null && expectedType is not null && typeName != expectedType)
        {
            Add(OperationOutcome.IssueType.Invalid, "Resource.resourceType",
                $"Resource.resourceType is '{typeName}' but this URL is for {expectedType} resources: send a {typeName} to /fhir/{typeName}");
        }

        foreach (var (path, problem) in unstorable)
        {
            var full = (typeName ?? "Resource") + path;
            Add(OperationOutcome.IssueType.Value, full, $"{full} {problem}");
        }

        foreach (var path in duplicates)
        {
            var full = (typeName ?? "Resource") + path;
            Add(OperationOutcome.IssueType.Structure, full,
                $"{full} is given more than once in the same JSON object; a resource must give each property once");
        }
    }

    /// <summary>A string value (or property name) with a character no provider may store is refused here, naming it.</summary>
    private void CheckText(string text, string? propertyName)
    {
        if (StorableText.FirstForbidden(text) is var at and >= 0)
        {
            unstorable.Add((PathOf(propertyName), $"{(propertyName is null ? string.Empty : "(a property name) ")}{StorableText.Problem(text, at)}"));
        }
    }

    private void RootNotObject(string what) =>
        Add(OperationOutcome.IssueType.Structure, "Resource", $"Resource: the body is {what}, not a JSON object; send one FHIR resource as a JSON object");

    private void Add(OperationOutcome.IssueType type, string expression, string text) =>
        issues.Add(FhirOutcomes.ErrorIssue(type, expression, text));

    private void CountValue()
    {
        if (containers.Count > 0 && containers[^1].IsArray)
        {
            containers[^1].Index++;
        }
    }

    /// <summary>The JSON path of the current position (without the resource type), e.g. <c>.component[1].valueQuantity</c>.</summary>
    private string PathOf(string? name)
    {
        var path = new StringBuilder();
        for (var i = 1; i < containers.Count; i++)
        {
            AppendStep(path, containers[i - 1]);
        }

        if (name is not null)
        {
            path.Append('.').Append(Shorten(name));
        }
        else if (containers.Count > 0)
        {
            AppendStep(path, containers[^1]);
        }

        return path.ToString();
    }

    private string PathOf(string? name, string? rootType) => (rootType is not null && ModelInfo.IsKnownResource(rootType) ? rootType : "Resource") + PathOf(name);

    private static void AppendStep(StringBuilder path, Container c)
    {
        if (c.IsArray)
        {
            path.Append('[').Append(Math.Max(c.Index - 1, 0).ToString(CultureInfo.InvariantCulture)).Append(']');
        }
        else if (c.Current is not null)
        {
            path.Append('.').Append(Shorten(c.Current));
        }
    }

    /// <summary>A string token's text; invalid UTF-8 or a lone surrogate escape is an error.</summary>
    private static string ReadString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && !Utf8.IsValid(reader.ValueSpan))
        {
            throw new InvalidUtf8Exception();
        }

        try
        {
            return reader.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            throw new InvalidUtf8Exception();
        }
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";

    /// <summary>System.Text.Json's message without its own position suffix (the position is given separately).</summary>
    private static string Plain(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at > 0 ? message[..at] : message;
    }

    private sealed class Container(bool isArray)
    {
        public bool IsArray { get; } = isArray;

        /// <summary>Array: how many values have started in it (the current item is Index - 1).</summary>
        public int Index { get; set; }

        public HashSet<string>? Names { get; } = isArray ? null : new HashSet<string>(StringComparer.Ordinal);

        /// <summary>Object: the property being read.</summary>
        public string? Current { get; set; }
    }

    private sealed class InvalidUtf8Exception : Exception
    {
    }
}
