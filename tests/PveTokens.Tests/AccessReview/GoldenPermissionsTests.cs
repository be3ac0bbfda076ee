using System.Text;
using System.Text.Json;
using PveEmulator.Model;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Tests.Emulator;

namespace PveTokens.Tests.AccessReview;

/// <summary>
/// The evaluator against the answers the real PVE 9.2 code gave (TestData/golden/permissions-9.2.json):
/// every principal of every recorded configuration, the tree answer and each per-path answer, with
/// privilege sets and propagate flags. The snapshot is read with the module's own readers of the
/// recorded listings, as the access report reads the wire.
/// </summary>
public sealed class GoldenPermissionsTests
{
    private static readonly JsonDocument Golden =
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(GoldenReplay.GoldenDirectory, "permissions-9.2.json")));

    public static TheoryData<int> Configurations()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Golden.RootElement.GetProperty("configurations").GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void EvaluatorReproducesEveryRecordedAnswer(int configuration)
    {
        JsonElement config = Golden.RootElement.GetProperty("configurations")[configuration];
        var evaluator = new PermissionEvaluator(Snapshot(config.GetProperty("state")));
        var mismatches = new List<string>();
        int answers = 0;
        foreach (JsonProperty principal in config.GetProperty("permissions").EnumerateObject())
        {
            AccessPrincipal who = evaluator.FindPrincipal(principal.Name) ?? throw new InvalidOperationException($"{principal.Name} not in the snapshot");

            string expectedTree = Canonical(principal.Value.GetProperty("tree"));
            string actualTree = Canonical(evaluator.EvaluateTree(who).ToDictionary(p => p.Path, p => p.ToDictionary()));
            answers++;
            if (expectedTree != actualTree)
            {
                mismatches.Add($"{principal.Name} tree:\n  real      {expectedTree}\n  evaluator {actualTree}");
            }

            foreach (JsonProperty path in principal.Value.GetProperty("paths").EnumerateObject())
            {
                string expected = Canonical(path.Value);
                PathPermissions result = evaluator.Evaluate(who, path.Name);
                string actual = Canonical(new Dictionary<string, SortedDictionary<string, bool>> { [path.Name] = result.ToDictionary() });
                answers++;
                if (expected != actual)
                {
                    mismatches.Add($"{principal.Name} {path.Name}:\n  real      {expected}\n  evaluator {actual}");
                }
            }
        }

        Assert.True(answers > 100, $"only {answers} answers compared");
        Assert.True(mismatches.Count == 0, $"configuration {configuration}: {mismatches.Count} of {answers} answers differ\n" + string.Join("\n", mismatches.Take(10)));
    }

    /// <summary>The recorded listings read by the module's parsers; built-in roles are PVE 9.2's (api.md §7).</summary>
    internal static PermissionSnapshot Snapshot(JsonElement state)
    {
        byte[] users = Encoding.UTF8.GetBytes("{\"data\":" + state.GetProperty("users").GetRawText() + "}");
        IReadOnlyList<AclEntry> acl = PveClient.ParseAcl(state.GetProperty("acl"));
        var roles = Privileges.BuiltInRoles(PveVersion.Parse("9.2.0"))
            .Select(r => new PveRoleFields(r.Key, r.Value, special: true))
            .Concat(PveClient.ParseRoles(state.GetProperty("roles")));
        return PermissionSnapshot.From(PveTokenJson.ReadUsersFull(users), acl, roles, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }

    /// <summary>path → privilege → 0|1 as sorted JSON, from a recorded answer.</summary>
    private static string Canonical(JsonElement answer) =>
        Canonical(answer.EnumerateObject().ToDictionary(
            p => p.Name,
            p => new SortedDictionary<string, bool>(p.Value.EnumerateObject().ToDictionary(v => v.Name, v => v.Value.GetInt32() == 1), StringComparer.Ordinal)));

    private static string Canonical(IEnumerable<KeyValuePair<string, SortedDictionary<string, bool>>> answer) =>
        JsonSerializer.Serialize(new SortedDictionary<string, SortedDictionary<string, int>>(
            answer.ToDictionary(p => p.Key, p => new SortedDictionary<string, int>(p.Value.ToDictionary(v => v.Key, v => v.Value ? 1 : 0), StringComparer.Ordinal)),
            StringComparer.Ordinal));
}
