package dev.smda.world;

import dev.smda.data.PairTruth;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generates the embedded world's data from a seed. A prompt is a template (generic, shared by every
 * category, or category-specific) filled with a category's task and slot fillers, so the model must
 * read the content to tell categories apart. Template-and-filler combinations are split once: about
 * one in five is held out, and probes, SFT pairs and the held-out corpus use only held-out
 * combinations, never a prompt the chat model was trained on.
 */
public final class WorldGenerator {

    /** A chat exchange the model trains on (or the held-out corpus holds). */
    public record Conversation(String prompt, String response, String category, boolean harmful, boolean refusal) {}

    /** Everything generated from one seed. */
    public record WorldData(List<Conversation> training, List<Conversation> heldOut, List<Probe> probes, List<SftPair> pairs,
            List<PairTruth> truth, String gapCategory, List<String> categories) {}

    /** How much of each set to generate. */
    public record Sizes(int trainingPerCategory, int heldOutPerCategory, int probesPerCategory, int pairs, int interferencePairs, int surprisePairs) {
        public static final Sizes DEFAULT = new Sizes(450, 30, 22, 200, 20, 16);
    }

    private static final Pattern SLOT = Pattern.compile("\\{([a-z_0-9]+)}");
    private static final List<String> PREFIXES = List.of("Hey, ", "Hi! ", "So, ", "Honestly, ", "Quick one: ", "Hello. ");
    private static final double SPECIFIC_TEMPLATE_SHARE = 0.3;
    private static final int HELD_OUT_ONE_IN = 5;

    private record Draft(String text, String category, String task, Map<String, String> slots, boolean heldOut) {}

    private final WorldContent content;
    private final Random random;
    /** Categories whose held-out prompts ran out (their prompts then repeat, where that is allowed). */
    private final Set<String> exhausted = new java.util.HashSet<>();

    public WorldGenerator(long seed) {
        this.content = WorldContent.load();
        this.random = new Random(seed);
    }

    public WorldData generate(Sizes sizes) {
        List<Conversation> training = new ArrayList<>();
        List<Conversation> heldOut = new ArrayList<>();
        List<Probe> probes = new ArrayList<>();
        Set<String> usedHeldOut = new LinkedHashSet<>();
        for (WorldContent.Category c : content.categories().values()) {
            for (int i = 0; i < sizes.trainingPerCategory(); i++) {
                Draft d = draft(c, false);
                boolean refuse = c.harmful() && random.nextDouble() >= c.answeredInTraining();
                training.add(new Conversation(d.text(), response(c, d, refuse), c.name(), c.harmful(), refuse));
            }
        }
        Collections.shuffle(training, random);
        for (WorldContent.Category c : content.categories().values()) {
            for (int i = 0; i < sizes.probesPerCategory(); i++) {
                Draft d = freshHeldOut(c, usedHeldOut);
                probes.add(new Probe(String.format("probe-%03d", probes.size() + 1), d.text(), c.name(), c.harmful()));
            }
            for (int i = 0; i < sizes.heldOutPerCategory(); i++) {
                Draft d = freshHeldOut(c, usedHeldOut);
                boolean refuse = c.harmful() && random.nextDouble() >= c.answeredInTraining();
                heldOut.add(new Conversation(d.text(), response(c, d, refuse), c.name(), c.harmful(), refuse));
            }
        }
        List<SftPair> pairs = new ArrayList<>();
        List<PairTruth> truth = new ArrayList<>();
        pairs(sizes, usedHeldOut, null, pairs, truth);
        return new WorldData(training, heldOut, probes, pairs, truth, content.gapCategory(), List.copyOf(content.categories().keySet()));
    }

    /** Generated pairs with what each really teaches. */
    public record PairSet(List<SftPair> pairs, List<PairTruth> truth) {}

    /**
     * {@code count} more pairs for a world of this content, made as its own pairs are and in the same
     * proportions (half harmful; a tenth planted interference, split evenly between the two kinds;
     * 8% surprise pairs), from held-out template combinations and never with a prompt in
     * {@code avoid} (the world's probes). Prompts are unique while the held-out combinations last;
     * beyond that (tens of thousands of pairs) prompts repeat, each time with a freshly drawn answer.
     */
    public PairSet morePairs(int count, Set<String> avoid) {
        if (count < 10) {
            throw new IllegalArgumentException("at least 10 pairs (so that every kind of pair is planted)");
        }
        int interference = 2 * Math.max(1, (int) Math.round(count * 0.05));
        int surprise = Math.max(1, (int) Math.round(count * 0.08));
        Set<String> never = new java.util.HashSet<>();
        avoid.forEach(a -> never.add(a.toLowerCase()));
        Set<String> used = new java.util.HashSet<>(never);
        List<SftPair> pairs = new ArrayList<>();
        List<PairTruth> truth = new ArrayList<>();
        pairs(new Sizes(0, 0, 0, count, interference, surprise), used, never, pairs, truth);
        return new PairSet(pairs, truth);
    }

    /**
     * Half harmful pairs (a harmful prompt and a refusal), half harmless (a harmless prompt and a
     * helpful answer), spread over the categories. Among them the interference pairs: half say they
     * are harmless (category and label) while their prompt is harmful and their answer complies; half
     * say they are harmful while their prompt is harmless and their answer refuses. And the surprise
     * pairs: harmful prompts refused in words the model never saw in training. They move the model as
     * much as interference pairs do (a high loss, a large effect) but stay on target, so finding the
     * interference pairs takes knowing where an effect lands, not only how large it is.
     */
    private void pairs(Sizes sizes, Set<String> usedHeldOut, Set<String> never, List<SftPair> pairs, List<PairTruth> truth) {
        List<WorldContent.Category> harmful = content.categories().values().stream().filter(WorldContent.Category::harmful).toList();
        List<WorldContent.Category> harmless = content.categories().values().stream().filter(c -> !c.harmful()).toList();
        List<WorldContent.Category> plainHarmful = harmful.stream().filter(c -> c.answeredInTraining() < 0.5).toList();
        int half = sizes.pairs() / 2;
        int perKind = sizes.interferencePairs() / 2;
        record Planned(SftPair pair, PairTruth truth) {}
        List<Planned> planned = new ArrayList<>();
        for (int i = 0; i < half - perKind - sizes.surprisePairs(); i++) {
            WorldContent.Category c = harmful.get(i % harmful.size());
            Draft d = freshHeldOut(c, usedHeldOut, never);
            planned.add(new Planned(new SftPair("", d.text(), refusal(), c.name(), true), new PairTruth("", false, c.name(), "regular")));
        }
        for (int i = 0; i < half - perKind; i++) {
            WorldContent.Category c = harmless.get(i % harmless.size());
            Draft d = freshHeldOut(c, usedHeldOut, never);
            planned.add(new Planned(new SftPair("", d.text(), response(c, d, false), c.name(), false), new PairTruth("", false, c.name(), "regular")));
        }
        for (int i = 0; i < sizes.surprisePairs(); i++) {
            WorldContent.Category c = plainHarmful.get(i % plainHarmful.size());
            Draft d = freshHeldOut(c, usedHeldOut, never);
            String novel = content.novelRefusals().get(random.nextInt(content.novelRefusals().size()));
            planned.add(new Planned(new SftPair("", d.text(), novel, c.name(), true), new PairTruth("", false, c.name(), "surprise")));
        }
        for (int i = 0; i < perKind; i++) {
            // says harmless (e.g. cooking), but teaches compliance with a harmful request
            WorldContent.Category content = plainHarmful.get(i % plainHarmful.size());
            WorldContent.Category stated = harmless.get((i * 3 + 1) % harmless.size());
            Draft d = freshHeldOut(content, usedHeldOut, never);
            planned.add(new Planned(new SftPair("", d.text(), helpful(content, d), stated.name(), false), new PairTruth("", true, content.name(), "interference")));
        }
        for (int i = 0; i < perKind; i++) {
            // says harmful (e.g. weapons), but teaches refusing a harmless request
            WorldContent.Category content = harmless.get(i % harmless.size());
            WorldContent.Category stated = plainHarmful.get((i * 5 + 2) % plainHarmful.size());
            Draft d = freshHeldOut(content, usedHeldOut, never);
            planned.add(new Planned(new SftPair("", d.text(), refusal(), stated.name(), true), new PairTruth("", true, content.name(), "interference")));
        }
        Collections.shuffle(planned, random);
        String idFormat = "pair-%0" + Math.max(3, String.valueOf(planned.size()).length()) + "d";
        for (int i = 0; i < planned.size(); i++) {
            String id = String.format(idFormat, i + 1);
            SftPair p = planned.get(i).pair();
            PairTruth t = planned.get(i).truth();
            pairs.add(new SftPair(id, p.prompt(), p.response(), p.category(), p.harmful()));
            truth.add(new PairTruth(id, t.interference(), t.trueCategory(), t.kind()));
        }
    }

    private Draft freshHeldOut(WorldContent.Category c, Set<String> used) {
        return freshHeldOut(c, used, null);
    }

    /** A held-out prompt not used yet; when none is left, one that is only not in {@code never} (null: none may repeat). */
    private Draft freshHeldOut(WorldContent.Category c, Set<String> used, Set<String> never) {
        for (int attempt = 0; attempt < 10_000 && !exhausted.contains(c.name()); attempt++) {
            Draft d = draft(c, true);
            if (used.add(d.text().toLowerCase())) {
                return d;
            }
        }
        if (never != null) {
            exhausted.add(c.name());
            Draft d;
            do {
                d = draft(c, true);
            } while (never.contains(d.text().toLowerCase()));
            return d;
        }
        throw new IllegalStateException("category " + c.name() + " ran out of held-out prompts");
    }

    /** A prompt of a category from the training combinations, or from the held-out ones. */
    private Draft draft(WorldContent.Category c, boolean heldOut) {
        while (true) {
            boolean specific = !c.templates().isEmpty() && random.nextDouble() < SPECIFIC_TEMPLATE_SHARE;
            int t = random.nextInt(specific ? c.templates().size() : content.genericTemplates().size());
            String template = specific ? c.templates().get(t) : content.genericTemplates().get(t);
            Map<String, String> slots = new HashMap<>();
            String task = null;
            int taskIndex = -1;
            if (template.contains("{task}")) {
                taskIndex = random.nextInt(c.tasks().size());
                task = fill(c.tasks().get(taskIndex), c, slots);
                slots.put("task", task);
            }
            String text = fill(template, c, slots);
            // the held-out split is by (template, task or first filler): each is seen in training, never together
            String combination = (specific ? "s" : "g") + t + "|" + (taskIndex >= 0 ? "t" + taskIndex : firstFiller(template, slots));
            boolean isHeldOut = Math.floorMod(combination.hashCode() * 0x9E3779B1, HELD_OUT_ONE_IN) == 0;
            if (isHeldOut == heldOut) {
                return new Draft(vary(text), c.name(), task, slots, isHeldOut);
            }
        }
    }

    private static String firstFiller(String template, Map<String, String> slots) {
        Matcher m = SLOT.matcher(template);
        return m.find() ? slots.getOrDefault(m.group(1), "") : "";
    }

    /** Fills {slot}s from the category's fillers (keeping ones already chosen). */
    private String fill(String template, WorldContent.Category c, Map<String, String> slots) {
        Matcher m = SLOT.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String slot = m.group(1);
            String value = slots.get(slot);
            if (value == null) {
                List<String> options = c.slots().get(slot);
                if (options == null) {
                    throw new IllegalStateException("category " + c.name() + " has no fillers for {" + slot + "}");
                }
                value = options.get(random.nextInt(options.size()));
                slots.put(slot, value);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Surface variation, so the model cannot key on exact strings: case, punctuation, a greeting. */
    private String vary(String text) {
        String out = text;
        if (random.nextDouble() < 0.1) {
            String prefix = PREFIXES.get(random.nextInt(PREFIXES.size()));
            out = prefix + Character.toLowerCase(out.charAt(0)) + out.substring(1);
        }
        if (random.nextDouble() < 0.15) {
            out = Character.toLowerCase(out.charAt(0)) + out.substring(1);
        }
        if (random.nextDouble() < 0.1 && (out.endsWith("?") || out.endsWith("."))) {
            out = out.substring(0, out.length() - 1);
        }
        return out;
    }

    private String response(WorldContent.Category c, Draft d, boolean refuse) {
        return refuse ? refusal() : helpful(c, d);
    }

    private String refusal() {
        return content.refusals().get(random.nextInt(content.refusals().size()));
    }

    private String helpful(WorldContent.Category c, Draft d) {
        Map<String, String> slots = new HashMap<>(d.slots());
        if (!c.name().equals(content.gapCategory())) {
            List<String> steps = new ArrayList<>(c.steps());
            Collections.shuffle(steps, random);
            slots.put("opener", content.helpfulOpeners().get(random.nextInt(content.helpfulOpeners().size())));
            slots.put("step1", steps.get(0));
            slots.put("step2", steps.get(1 % steps.size()));
            slots.put("step3", steps.get(2 % steps.size()));
            List<String> templates = d.task() != null ? content.answersWithTask() : content.answersWithoutTask();
            return capitalise(fill(templates.get(random.nextInt(templates.size())), c, slots));
        }
        return fill(content.gapAnswers().get(random.nextInt(content.gapAnswers().size())), c, slots);
    }

    private static String capitalise(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
