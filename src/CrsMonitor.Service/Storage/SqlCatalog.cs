using System.Reflection;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// Marks a <c>const</c> SQL statement and the providers it runs on (all three when none are named). Invariant 3:
/// SQL lives in <c>schemas/sql</c> or in such a constant beside the Dapper call; dialect differences are separate
/// constants, chosen per statement.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
internal sealed class SqlAttribute(params StorageProvider[] providers) : Attribute
{
    public IReadOnlyList<StorageProvider> Providers { get; } =
        providers.Length == 0 ? [StorageProvider.Sqlite, StorageProvider.Postgres, StorageProvider.SqlServer] : providers;
}

/// <summary>One SQL statement constant of the service.</summary>
public sealed record SqlStatement(string Name, string Text, IReadOnlyList<StorageProvider> Providers);

/// <summary>Every SQL statement constant of the service, so tests can parse each (T-SQL with ScriptDom).</summary>
public static class SqlCatalog
{
    private static readonly Lazy<IReadOnlyList<SqlStatement>> Statements = new(Find);

    public static IReadOnlyList<SqlStatement> All => Statements.Value;

    public static IReadOnlyList<SqlStatement> For(StorageProvider provider) =>
        [.. All.Where(s => s.Providers.Contains(provider))];

    private static List<SqlStatement> Find() =>
    [
        .. from type in typeof(SqlCatalog).Assembly.GetTypes()
           from field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
           let marker = field.GetCustomAttribute<SqlAttribute>()
           where marker is not null && field.IsLiteral && field.FieldType == typeof(string)
           orderby type.FullName, field.Name
           select new SqlStatement($"{type.Name}.{field.Name}", (string)field.GetRawConstantValue()!, marker.Providers),
    ];
}
