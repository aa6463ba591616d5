using System.Text.Json;
using System.Text.Json.Serialization;
using CrsMonitor.Grading;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// The two ASTCT 2019 scales a patient is graded on (grade points, episodes, alerts, protocol management text, research
/// records). In process a scale is this type; its text (<see cref="ScaleCodes"/>) is written only at the edges: the
/// database columns (<see cref="Storage.DbTypes"/>), JSON (<see cref="ScaleJsonConverter"/>, on the type, so every
/// document and payload writes <c>crs</c> / <c>icans</c>), FHIR and CSV.
/// </summary>
[JsonConverter(typeof(ScaleJsonConverter))]
public enum Scale
{
    Crs,
    Icans,
}

/// <summary>
/// The words of <see cref="Scale"/>: the code <c>crs</c> / <c>icans</c> (the text of <c>grade_point.scale</c> and
/// <c>episode.scale</c> and of every JSON, FHIR and CSV output) and the label <c>CRS</c> / <c>ICANS</c> of messages.
/// </summary>
public static class ScaleCodes
{
    /// <summary>The code table (case-insensitive parsing, canonical lower-case codes).</summary>
    public static readonly CodeTable<Scale> Table = new([(Scale.Crs, "crs"), (Scale.Icans, "icans")]);

    /// <summary>The code as stored and sent: <c>crs</c> or <c>icans</c>.</summary>
    public static string Code(this Scale scale) => Table.Code(scale);

    /// <summary>The label of messages and rule text: <c>CRS</c> or <c>ICANS</c>.</summary>
    public static string Label(this Scale scale) => scale == Scale.Crs ? "CRS" : "ICANS";
}

/// <summary>A scale in JSON: its code, as every document, response and payload has always written it.</summary>
public sealed class ScaleJsonConverter : JsonConverter<Scale>
{
    public override Scale Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && ScaleCodes.Table.TryParse(reader.GetString(), out var scale)
            ? scale
            : throw new JsonException("A scale is \"crs\" or \"icans\"");

    public override void Write(Utf8JsonWriter writer, Scale value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.Code());
    }
}
