using System.Security;
using PveEmulator;
using PveEmulator.Access;
using PveEmulator.Model;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;
using PveTokens.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PveTokens.Tests.AccessReview;

/// <summary>
/// Seeded differential test: hundreds of random access configurations (users in several groups, deep
/// and shallow entries, propagate on and off, NoAccess at various levels, custom roles, tokens with
/// and without separation, root@pam's tokens, disabled and expired users), and for every principal
/// and path the evaluator's answer must equal the emulator's <c>GET /access/permissions</c> — with a
/// path and without (the tree). Most configurations ask the emulator's engine in-process; a subset
/// goes over HTTPS, reading the snapshot with the module's client as Get-PveAccessReport does.
/// A failure names its seed; set PVETOKENS_DIFF_SEED to that number to run that configuration alone.
/// </summary>
public sealed class PermissionDifferentialTests(ITestOutputHelper output)
{
    private const int BaseSeed = 7_340_000;
    private const int InProcessConfigurations = 300;
    private const int HttpConfigurations = 12;

    private static readonly string[] Groups = { "ops", "dev", "audit" };
    private static readonly string[] BuiltIn =
    {
        "Administrator", "NoAccess", "NoAccess", "PVEAdmin", "PVEAuditor", "PVEDatastoreUser", "PVESysAdmin", "PVEVMAdmin", "PVEVMUser", "PVEUserAdmin", "PVETemplateUser",
    };

    private static readonly string[] AclPaths =
    {
        "/", "/", "/vms", "/vms", "/vms/100", "/vms/101", "/storage", "/storage/local", "/nodes", "/nodes/pve1", "/access", "/access/groups",
        "/access/groups/ops", "/pool/p1", "/sdn/zones/z1", "/mapping/pci/gpu0",
    };

    private static readonly string[] ExtraPaths = { "/vms/999", "/storage/other", "/sdn/zones/z1/vnet1", "/access/realm/pve", "/mapping/pci", "/pool/p1/sub" };

    [Fact]
    public void EvaluatorMatchesTheEmulatorInProcessOnRandomConfigurations()
    {
        foreach (int seed in Seeds(InProcessConfigurations))
        {
            var state = new EmulatorState(PveVersion.Parse("9.2.0"), "Root-Pass-1", "root@example.com");
            Generate(state, seed);
            var evaluator = new PermissionEvaluator(SnapshotOf(state));
            var engine = new PermissionEngine(state);
            List<string> differences;
            lock (state.Sync)
            {
                differences = Compare(evaluator, PathsOf(state), id => engine.Permissions(id.Principal, id.Path), id => Tree(engine.EffectivePermissions(id)), Principals(state));
            }

            Assert.True(differences.Count == 0, Report(seed, differences));
        }
    }

    [Fact]
    public async Task EvaluatorMatchesTheEmulatorOverHttpsWithTheSnapshotTheClientReads()
    {
        await using EmulatorHost host = await Emulators.StartAsync();
        using var client = new PveClient(new PveClientOptions(host.Url) { CertificatePolicy = PveCertificatePolicy.Pinned, PinnedCertificateSha256 = host.CertificateSha256 });
        using (SecureString password = TestSecrets.Secure(Emulators.RootPassword))
        {
            await client.LoginAsync("root@pam", password, null, CancellationToken.None);
        }

        int requests = 0;
        foreach (int seed in Seeds(HttpConfigurations).Select(s => s + 1_000_000))
        {
            Reset(host.State);
            Generate(host.State, seed);
            int before = host.RequestLog.Count;
            PermissionSnapshot snapshot = await client.GetPermissionSnapshotAsync(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), CancellationToken.None);
            Assert.Equal(3, host.RequestLog.Count - before);
            var evaluator = new PermissionEvaluator(snapshot);

            IReadOnlyList<string> paths;
            IReadOnlyList<string> principals;
            lock (host.State.Sync)
            {
                paths = PathsOf(host.State);
                principals = Principals(host.State);
            }

            var answers = new Dictionary<(string, string?), PermissionMap>();
            foreach (string principal in principals)
            {
                foreach (string? path in paths.Append(null))
                {
                    answers[(principal, path)] = await client.GetPermissionsAsync(principal, path, CancellationToken.None);
                    requests++;
                }
            }

            List<string> differences = Compare(evaluator, paths,
                id => ToDictionary(answers[(id.Principal, id.Path)].Get(id.Path)),
                id => Tree(answers[(id, null)].Paths.ToDictionary(p => p.Key, p => ToDictionary(p.Value))),
                principals);
            Assert.True(differences.Count == 0, Report(seed, differences));
        }

        output.WriteLine($"{HttpConfigurations} configurations, {requests} GET /access/permissions compared over HTTPS");
    }

    private readonly record struct PrincipalPath(string Principal, string Path);

    private static Dictionary<string, bool> ToDictionary(IReadOnlyDictionary<string, bool> map) => map.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static IEnumerable<int> Seeds(int count) =>
        int.TryParse(Environment.GetEnvironmentVariable("PVETOKENS_DIFF_SEED"), out int only) ? new[] { only } : Enumerable.Range(BaseSeed, count);

    private static List<string> Compare(PermissionEvaluator evaluator, IReadOnlyList<string> paths, Func<PrincipalPath, Dictionary<string, bool>> server,
        Func<string, string> serverTree, IReadOnlyList<string> principals)
    {
        var differences = new List<string>();
        foreach (string principal in principals)
        {
            AccessPrincipal? who = evaluator.FindPrincipal(principal);
            if (who is null)
            {
                differences.Add($"{principal}: not in the snapshot");
                continue;
            }

            foreach (string path in paths)
            {
                string expected = Line(server(new PrincipalPath(principal, path)));
                string actual = Line(evaluator.Evaluate(who, path).ToDictionary());
                if (expected != actual)
                {
                    differences.Add($"{principal} {path}\n    emulator  {expected}\n    evaluator {actual}");
                }
            }

            string expectedTree = serverTree(principal);
            string actualTree = Tree(evaluator.EvaluateTree(who).ToDictionary(p => p.Path, p => p.ToDictionary().ToDictionary(v => v.Key, v => v.Value)));
            if (expectedTree != actualTree)
            {
                differences.Add($"{principal} (tree)\n    emulator  {expectedTree}\n    evaluator {actualTree}");
            }
        }

        return differences;
    }

    private static string Line(IEnumerable<KeyValuePair<string, bool>> privileges) =>
        string.Join(",", privileges.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + (p.Value ? 1 : 0)));

    private static string Tree(IEnumerable<KeyValuePair<string, Dictionary<string, bool>>> tree) =>
        string.Join(" | ", tree.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + Line(p.Value)));

    private static string Report(int seed, List<string> differences) =>
        $"seed {seed} (rerun alone with PVETOKENS_DIFF_SEED={seed}): {differences.Count} answers differ\n" + string.Join("\n", differences.Take(8));

    /// <summary>A small random configuration; everything derives from <paramref name="seed"/>.</summary>
    private static void Generate(EmulatorState state, int seed)
    {
        var random = new Random(seed);
        foreach (string group in Groups)
        {
            state.AddGroup(group);
        }

        var customRoles = new List<string>();
        string[] valid = state.ValidPrivileges.OrderBy(p => p, StringComparer.Ordinal).ToArray();
        for (int i = 0; i < random.Next(0, 3); i++)
        {
            string role = $"Custom{i}";
            state.AddRole(role, valid.Where(_ => random.Next(6) == 0).Append(valid[random.Next(valid.Length)]).Distinct());
            customRoles.Add(role);
        }

        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var tokens = new List<string>();
        int users = random.Next(2, 6);
        for (int i = 1; i <= users; i++)
        {
            string user = $"u{i}@pve";
            state.AddUser(user, enable: random.Next(6) > 0, expire: random.Next(8) == 0 ? now - 3600 : random.Next(8) == 0 ? now + 3600 : 0,
                groups: Groups.Where(_ => random.Next(3) == 0));
            AddTokens(user);
        }

        AddTokens("root@pam");
        string[] roles = BuiltIn.Concat(customRoles).ToArray();
        string[] userIds = Enumerable.Range(1, users).Select(i => $"u{i}@pve").Append("root@pam").ToArray();
        for (int i = random.Next(3, 15); i > 0; i--)
        {
            string path = AclPaths[random.Next(AclPaths.Length)];
            string role = roles[random.Next(roles.Length)];
            bool propagate = random.Next(4) > 0;
            switch (tokens.Count == 0 ? random.Next(2) : random.Next(3))
            {
                case 0: state.AddAcl(path, role, user: userIds[random.Next(userIds.Length)], propagate: propagate); break;
                case 1: state.AddAcl(path, role, group: Groups[random.Next(Groups.Length)], propagate: propagate); break;
                default: state.AddAcl(path, role, token: tokens[random.Next(tokens.Count)], propagate: propagate); break;
            }
        }

        void AddTokens(string user)
        {
            for (int t = random.Next(0, 3); t > 0; t--)
            {
                string name = $"t{t}";
                state.AddToken(user, name, privsep: random.Next(2) == 0, expire: random.Next(6) == 0 ? now - 60 : 0);
                tokens.Add(user + "!" + name);
            }
        }
    }

    /// <summary>Every user and token.</summary>
    private static IReadOnlyList<string> Principals(EmulatorState state) =>
        state.Users.Values.SelectMany(u => u.Tokens.Keys.Select(t => u.Id + "!" + t).Prepend(u.Id)).ToList();

    private static IReadOnlyList<string> PathsOf(EmulatorState state) =>
        state.AclTree().Select(t => t.Path).Concat(PermissionEvaluator.FixedTreePaths).Concat(ExtraPaths).Concat(AclPaths)
            .Distinct(StringComparer.Ordinal).OrderBy(p => p, StringComparer.Ordinal).ToList();

    /// <summary>The emulator's state in the shape the three listings have on the wire.</summary>
    private static PermissionSnapshot SnapshotOf(EmulatorState state)
    {
        lock (state.Sync)
        {
            return new PermissionSnapshot(
                state.Users.Values.Select(u => new AccessUser(u.Id, u.Enable, u.Expire, u.Groups,
                    u.Tokens.Values.Select(t => new AccessToken(t.Id, t.Privsep, t.Expire)))),
                state.AclEntries().Select(e => new AccessAclEntry(e.Path, e.Type switch
                {
                    "group" => AclPrincipalKind.Group,
                    "token" => AclPrincipalKind.Token,
                    _ => AclPrincipalKind.User,
                }, e.UgId, e.RoleId, e.Propagate)),
                state.Roles.Values.Select(r => new AccessRole(r.Id, r.Privileges)),
                DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        }
    }

    /// <summary>Back to a fresh node: root@pam without tokens, built-in roles, no groups and no ACL.</summary>
    private static void Reset(EmulatorState state)
    {
        lock (state.Sync)
        {
            foreach (string user in state.Users.Keys.Where(u => u != "root@pam").ToList())
            {
                state.Users.Remove(user);
            }

            state.Users["root@pam"].Tokens.Clear();
            state.Groups.Clear();
            foreach (string role in state.Roles.Values.Where(r => !r.Special).Select(r => r.Id).ToList())
            {
                state.Roles.Remove(role);
            }

            state.AclRoot.Children.Clear();
            foreach (Dictionary<string, Dictionary<string, bool>> entries in state.AclRoot.Entries)
            {
                entries.Clear();
            }
        }
    }
}
