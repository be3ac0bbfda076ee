using System.Text;
using System.Text.Json;
using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Tests.Tokens;

public class PveTokenJsonTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void PostInfoEchoWithStringValuesIsRead()
    {
        // api.md §5.1: echoed request values are strings, a defaulted privsep is the number 1.
        PveTokenFields created = PveTokenJson.ReadCreated(Utf8(
            """{"data":{"full-tokenid":"joe@pve!monitoring","info":{"privsep":"0","expire":"4102444800","comment":"grafana"},"value":"4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f"}}"""));

        Assert.Equal("joe@pve!monitoring", created.FullTokenId);
        Assert.False(created.PrivilegeSeparation);
        Assert.Equal(4102444800L, created.Expire);
        Assert.Equal("grafana", created.Comment);
        Assert.NotNull(created.Secret);
        Assert.Equal(36, created.Secret!.Length);
        Assert.True(created.Secret.IsReadOnly());
    }

    [Fact]
    public void PostInfoOnlyNamesWhatWasSent()
    {
        PveTokenFields created = PveTokenJson.ReadCreated(Utf8(
            """{"data":{"value":"x-y","info":{"privsep":1},"full-tokenid":"a@pve!t1"}}"""));

        Assert.True(created.PrivilegeSeparation);
        Assert.Null(created.Expire);
        Assert.Null(created.Comment);
        Assert.Equal("a@pve!t1", created.FullTokenId);
    }

    [Fact]
    public void TokenListAcceptsNumbersStringsBooleansAndMissingComments()
    {
        List<PveTokenFields> tokens = PveTokenJson.ReadTokenList(Utf8(
            """{"data":[{"tokenid":"a","privsep":1,"expire":0},{"comment":"c","tokenid":"b","privsep":"0","expire":"4102444800"},{"tokenid":"c","privsep":true,"expire":null,"comment":""}]}"""));

        Assert.Equal(new[] { "a", "b", "c" }, tokens.Select(t => t.TokenId));
        Assert.Equal(new bool?[] { true, false, true }, tokens.Select(t => t.PrivilegeSeparation));
        Assert.Equal(new long?[] { 0, 4102444800, null }, tokens.Select(t => t.Expire));
        Assert.Equal(new string?[] { null, "c", null }, tokens.Select(t => t.Comment));
    }

    [Fact]
    public void SingleTokenAndPutAnswers()
    {
        PveTokenFields token = PveTokenJson.ReadToken(Utf8("""{"data":{"comment":"CI runner","expire":0,"privsep":0}}"""));
        Assert.Null(token.TokenId);
        Assert.Equal("CI runner", token.Comment);
        Assert.Equal(0L, token.Expire);
        Assert.False(token.PrivilegeSeparation);
        Assert.Null(token.Secret);

        PveTokenFields regenerated = PveTokenJson.ReadToken(Utf8(
            """{"data":{"expire":0,"full-tokenid":"alice@pve!ci","privsep":0,"value":"9b1c0000-0000-4000-8000-000000000000"}}"""));
        Assert.Equal("alice@pve!ci", regenerated.FullTokenId);
        Assert.NotNull(regenerated.Secret);
    }

    [Fact]
    public void UsersFullIsStreamedUserByUserWithTokensInAnyKeyOrder()
    {
        byte[] json = Utf8("""
            {"data":[
              {"tokens":[{"tokenid":"ci","privsep":0,"expire":0,"comment":"CI runner"},{"tokenid":"old","privsep":1,"expire":946684800}],
               "userid":"alice@pve","enable":1,"expire":0,"groups":"ops","realm-type":"pve","keys":null},
              {"userid":"bob@pve","enable":0,"expire":4102444800,"tokens":null},
              {"userid":"root@pam","enable":1,"expire":0,"tokens":[{"tokenid":"automation","privsep":"1","expire":"0"}],"totp-locked":false,"groups":""}
            ]}
            """);
        var progress = new List<long>();

        var users = PveTokenJson.ReadUsersFull(json, progress.Add).ToList();

        Assert.Equal(new[] { "alice@pve", "bob@pve", "root@pam" }, users.Select(u => u.UserId));
        Assert.Equal(new[] { true, false, true }, users.Select(u => u.Enabled));
        Assert.Equal(4102444800L, users[1].Expire);
        Assert.Equal(new[] { "ci", "old" }, users[0].Tokens.Select(t => t.TokenId));
        Assert.Empty(users[1].Tokens);
        Assert.True(users[2].Tokens[0].PrivilegeSeparation);
        Assert.Equal(3, progress.Count);
        Assert.True(progress[0] < progress[1] && progress[1] < progress[2] && progress[2] <= json.Length);
    }

    [Fact]
    public void UsersFullReadsTheAccountFieldsThatGetPveUserShows()
    {
        // The index sends groups as a comma string, GET /access/users/{id} as an array; "" is unset.
        byte[] json = Utf8("""
            {"data":[
              {"userid":"alice@pve","groups":"ops,admins","firstname":"Alice","lastname":"","email":"alice@example.org",
               "comment":"on call","realm-type":"pve","tokens":[{"tokenid":"zeta"},{"tokenid":"alpha"},{"tokenid":"Beta"}]},
              {"userid":"","comment":"no id: skipped"},
              {"userid":"bob@pam","groups":["ops",""],"expire":"4102444800"}
            ]}
            """);

        var users = PveTokenJson.ReadUsersFull(json).ToList();

        Assert.Equal(new[] { "alice@pve", "bob@pam" }, users.Select(u => u.UserId));
        PveUserFields alice = users[0];
        Assert.Equal(new[] { "ops", "admins" }, alice.Groups);
        Assert.Equal("Alice", alice.FirstName);
        Assert.Null(alice.LastName);
        Assert.Equal("alice@example.org", alice.Email);
        Assert.Equal("on call", alice.Comment);
        Assert.Equal("pve", alice.RealmType);
        Assert.Equal(new[] { "Beta", "alpha", "zeta" }, alice.TokenNames());
        Assert.Equal(new[] { "ops" }, users[1].Groups);
        Assert.Equal(4102444800L, users[1].Expire);
        Assert.Null(users[1].RealmType);
        Assert.Empty(users[1].TokenNames());
    }

    [Fact]
    public void UsersFullIsLazy()
    {
        // The second user is malformed: the first one must already have been produced.
        byte[] json = Utf8("""{"data":[{"userid":"a@pve","tokens":[{"tokenid":"t1","privsep":1,"expire":0}]},{"userid":"b@pve","expire":"soon"}]}""");
        using IEnumerator<PveUserFields> users = PveTokenJson.ReadUsersFull(json).GetEnumerator();

        Assert.True(users.MoveNext());
        Assert.Equal("a@pve", users.Current.UserId);
        Assert.Throws<JsonException>(() => users.MoveNext());
    }

    [Fact]
    public void EmptyAndNullDataAreEmpty()
    {
        Assert.Empty(PveTokenJson.ReadUsersFull(Utf8("""{"data":[]}""")));
        Assert.Empty(PveTokenJson.ReadUsersFull(Utf8("""{"data":null}""")));
        Assert.Empty(PveTokenJson.ReadTokenList(Utf8("""{"total":0,"data":[]}""")));
    }

    [Fact]
    public void FifteenThousandTokensOfFiveThousandUsersParseQuickly()
    {
        var sb = new StringBuilder("{\"data\":[");
        for (int u = 0; u < 5000; u++)
        {
            if (u > 0) sb.Append(',');
            sb.Append("{\"userid\":\"user").Append(u).Append("@pve\",\"enable\":1,\"expire\":0,\"groups\":\"\",\"realm-type\":\"pve\",\"tokens\":[");
            for (int t = 0; t < 3; t++)
            {
                if (t > 0) sb.Append(',');
                sb.Append("{\"tokenid\":\"tok").Append(t).Append("\",\"privsep\":1,\"expire\":4102444800,\"comment\":\"bulk\"}");
            }
            sb.Append("]}");
        }
        sb.Append("]}");
        byte[] json = Utf8(sb.ToString());

        var watch = System.Diagnostics.Stopwatch.StartNew();
        int count = PveTokenJson.ReadUsersFull(json).Sum(u => u.Tokens.Count);
        watch.Stop();

        Assert.Equal(15000, count);
        Assert.True(watch.ElapsedMilliseconds < 1000, $"took {watch.ElapsedMilliseconds} ms");
    }
}
