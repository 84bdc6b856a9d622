// A .NET host of the Clientèle engine, through the binding of Clientele.cs.
//
//   mcs -out:host.exe examples/dotnet-host/Clientele.cs examples/dotnet-host/Host.cs
//   LD_LIBRARY_PATH=target/release mono host.exe DATABASE_FILE
//
// (On Windows with .NET: put clientele.dll next to the program.)
//
// Runs the same scenario as examples/c-host/host.c and
// examples/python-host/host.py: a staff member, two clients, a primary
// contact, a note and a phone call, the client list, a timeline, a search, a
// client dashboard, an import with progress, a canceled import, and errors.

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Clientele;

static class Host
{
    static Engine engine;

    static long Id(string json)
    {
        var record = (Dictionary<string, object>)Json.Parse(json);
        return (long)record["id"];
    }

    static long Create(string what, string request)
    {
        long id = Id(engine.Execute(request));
        Console.WriteLine("{0}: id {1}", what, id);
        return id;
    }

    static string ImportRequest(long staff, string prefix)
    {
        var b = new StringBuilder();
        b.AppendFormat("{{\"actor\":{0},\"op\":\"client.import\",\"clients\":[", staff);
        for (int i = 0; i < 250; i++)
        {
            if (i > 0) b.Append(',');
            b.AppendFormat("{{\"code\":\"{0}{1:D4}\",\"name\":\"Client {1}\"}}", prefix, i);
        }
        return b.Append("]}").ToString();
    }

    static int Main(string[] args)
    {
        // UTF-8 out, whatever the locale: the names are French.
        Console.SetOut(new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true });
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: host.exe DATABASE_FILE");
            return 2;
        }
        try
        {
            // A refused configuration is a typed exception, and nothing is left open.
            Engine.Open("{\"database_url\":\"sqlite::memory:\",\"pool_size\":0}").Dispose();
            Console.WriteLine("open with pool_size 0: no exception?");
            return 1;
        }
        catch (ConfigException e)
        {
            Console.WriteLine("bad configuration: {0}", e.Code);
        }

        string config = "{\"database_url\":" + Json.Quote("sqlite:" + args[0]) +
            ",\"timezone\":\"America/Toronto\",\"entitlements\":[\"client_management\"],\"pool_size\":2}";
        using (engine = Engine.Open(config))
        {
            Console.WriteLine("clientele {0} (ABI {1})", Engine.Version, Engine.AbiVersion);
            Console.WriteLine("engine open");

            const string all = "{\"view\":true,\"add\":true,\"edit\":true,\"delete\":true}";
            long staff = Create("staff.put Sophie Tremblay",
                "{\"actor\":\"host\",\"op\":\"staff.put\",\"staff\":{\"name\":\"Sophie Tremblay\",\"initials\":\"ST\",\"rights\":{" +
                "\"clients\":" + all + ",\"contacts\":" + all + ",\"interactions\":" + all + ",\"file_transfers\":" + all + "}}}");

            Create("client.create Hélène D'Amours", "{\"actor\":" + staff + ",\"op\":\"client.create\",\"data\":{" +
                "\"code\":\"DAMH01\",\"name\":\"Hélène D'Amours\",\"kind\":\"individual\",\"office\":\"Montréal\"," +
                "\"phones\":[{\"kind\":\"mobile\",\"number\":\"(514) 555-0199\"}]}}");
            long jf = Create("client.create Jean-François Côté", "{\"actor\":" + staff + ",\"op\":\"client.create\",\"data\":{" +
                "\"code\":\"COTJ01\",\"name\":\"Jean-François Côté\",\"office\":\"Québec\"}}");

            long contact = Create("contact.create Marie-Ève Côté", "{\"actor\":" + staff + ",\"op\":\"contact.create\",\"data\":{" +
                "\"first_name\":\"Marie-Ève\",\"last_name\":\"Côté\",\"emails\":[{\"address\":\"marie-eve@example.ca\"}]}}");
            Console.WriteLine("contact.link: {0}", engine.Execute("{\"actor\":" + staff + ",\"op\":\"contact.link\",\"contact_id\":" +
                contact + ",\"client_id\":" + jf + ",\"role\":\"primary\"}"));

            Create("interaction.create note", "{\"actor\":" + staff + ",\"op\":\"interaction.create\",\"data\":{" +
                "\"kind\":\"note\",\"occurred_at\":\"2025-03-14T14:00:00Z\",\"client_id\":" + jf + "," +
                "\"subject\":\"Déclaration de revenus 2024\",\"body\":\"Reçus médicaux à venir.\"}}");
            Create("interaction.create phone_call", "{\"actor\":" + staff + ",\"op\":\"interaction.create\",\"data\":{" +
                "\"kind\":\"phone_call\",\"occurred_at\":\"2025-03-15T16:30:00Z\",\"client_id\":" + jf + ",\"contact_id\":" + contact + "," +
                "\"subject\":\"Appel de Marie-Ève\",\"direction\":\"incoming\",\"duration_secs\":300}}");

            Console.WriteLine("client.list: {0}", engine.Execute("{\"actor\":" + staff + ",\"op\":\"client.list\",\"limit\":20}"));
            Console.WriteLine("client.timeline: {0}", engine.Execute("{\"actor\":" + staff + ",\"op\":\"client.timeline\",\"id\":" + jf + "}"));
            Console.WriteLine("search: {0}", engine.Execute("{\"actor\":" + staff + ",\"op\":\"client.list\"," +
                "\"filter\":\"-statut:inactif nom:cote\",\"search\":\"jean-francois\",\"count\":true}"));
            Console.WriteLine("dashboard: {0}", engine.RenderDashboard("{\"actor\":" + staff + ",\"op\":\"dashboard.render\"," +
                "\"dashboard\":\"client\",\"client_id\":" + jf + ",\"locale\":\"fr\",\"format\":\"text\"}"));

            Func<ulong, ulong, bool> report = (done, total) =>
            {
                Console.WriteLine("  progress {0}/{1}", done, total);
                return true;
            };
            var imported = (Dictionary<string, object>)Json.Parse(engine.Execute(ImportRequest(staff, "IMP"), report));
            Console.WriteLine("client.import: {0} imported", imported["imported"]);

            // Canceled through a token (which any thread may raise), here from the progress callback.
            using (var token = new CancelToken())
            {
                var result = engine.ExecuteRaw(ImportRequest(staff, "CAN"), (done, total) =>
                {
                    Console.WriteLine("  progress {0}/{1}", done, total);
                    if (done >= 100) token.Cancel();
                    return true;
                }, token);
                Console.WriteLine("canceled import: status {0} ({1}): {2}", (int)result.Key, Engine.StatusName(result.Key), result.Value);
            }

            var duplicate = engine.ExecuteRaw("{\"actor\":" + staff + ",\"op\":\"client.create\",\"data\":{\"code\":\"damh01\",\"name\":\"Autre Hélène\"}}");
            Console.WriteLine("duplicate: status {0} ({1}): {2}", (int)duplicate.Key, Engine.StatusName(duplicate.Key), duplicate.Value);
            Console.WriteLine("last error: {0}", Engine.LastErrorMessage);
            try
            {
                engine.Execute("{\"actor\":" + staff + ",\"op\":\"client.get\",\"id\":999}");
            }
            catch (NotFoundException e)
            {
                Console.WriteLine("exception: {0} (status {1})", e.Code, (int)e.Status);
            }
            try
            {
                engine.Execute("{\"actor\":" + staff + ",\"op\":\"client.create\",\"data\":{\"code\":\"DAMH01\",\"name\":\"Encore\"}}");
            }
            catch (DuplicateException e)
            {
                Console.WriteLine("typed exception: {0} on field {1}", e.GetType().Name, e.Field);
            }
            // Every string the library returned was a NativeString, released at once.
            Console.WriteLine("live strings: {0}", Engine.LiveStrings);
        }
        // Disposed: the handle is closed, and using it again is refused, not a crash.
        try
        {
            engine.Execute("{\"actor\":\"host\",\"op\":\"client.get\",\"id\":1}");
            Console.WriteLine("engine used after Dispose: no exception?");
            return 1;
        }
        catch (ObjectDisposedException)
        {
            Console.WriteLine("engine closed: ok");
        }
        return 0;
    }
}
