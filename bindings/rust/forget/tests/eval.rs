//! Evaluation figures agree with what the predictions say, computed here
//! from them; attacks and distances behave as their definitions demand.
mod common;

use common::{clusters, Rng};
use forget::{Dataset, ErrorKind, Library, Model};

fn split() -> (Dataset, Dataset) {
    let (x, labels, ids) = clusters(240, 4, 3, 17);
    let all = Dataset::classification(4, &x, &labels, Some(&ids)).unwrap();
    (all.slice(0..180).unwrap(), all.slice(180..240).unwrap())
}

fn trained(seed: u32, train: &Dataset) -> Model {
    let mut m = Model::create("mlp", &format!("layers=4-10-3 seed={seed}")).unwrap();
    m.train(train, "epochs=3 lr=0.05 batch=16").unwrap();
    m
}

#[test]
fn accuracy_loss_and_confusion_match_predictions() {
    let _lib = Library::init().unwrap();
    let (train, test) = split();
    for seed in [1, 2, 3] {
        let m = trained(seed, &train);
        for data in [&train, &test] {
            let p = m.predict(data).unwrap();
            let labels = data.labels().unwrap();
            let guess = p.argmax();
            let n = labels.len();
            let hits = guess
                .iter()
                .zip(labels)
                .filter(|(g, l)| **g == **l as usize)
                .count();
            assert_eq!(m.accuracy(data).unwrap(), hits as f64 / n as f64);
            let ce: f64 = (0..n)
                .map(|i| -(p.row(i)[labels[i] as usize] as f64).ln())
                .sum::<f64>()
                / n as f64;
            let loss = m.loss(data).unwrap();
            assert!((loss - ce).abs() < 1e-4 * ce.max(1.0), "{loss} vs {ce}");
            let confusion = m.confusion(data).unwrap();
            let per_class = m.class_accuracy(data).unwrap();
            assert_eq!(confusion.iter().sum::<u64>(), n as u64);
            for c in 0..3 {
                let mut counts = [0u64; 3];
                for i in (0..n).filter(|i| labels[*i] as usize == c) {
                    counts[guess[i]] += 1;
                }
                assert_eq!(&confusion[c * 3..c * 3 + 3], &counts);
                let total: u64 = counts.iter().sum();
                assert_eq!(per_class[c], counts[c] as f64 / total as f64);
            }
        }
    }
}

#[test]
fn attacks_and_distances() {
    let _lib = Library::init().unwrap();
    let (train, test) = split();
    let a = trained(1, &train);
    let b = trained(2, &train);
    let forget_rows = train.subset_class(2).unwrap();
    let mia = a.mia(&train, &test, &forget_rows).unwrap();
    assert!((0.0..=1.0).contains(&mia));
    // each target row is judged on its own: the score of a union is the
    // row-weighted mean of its parts', and one row scores 0 or 1
    let n = forget_rows.rows();
    let (head, tail) = (
        forget_rows.slice(0..n / 3).unwrap(),
        forget_rows.slice(n / 3..n).unwrap(),
    );
    let (mh, mt) = (
        a.mia(&train, &test, &head).unwrap(),
        a.mia(&train, &test, &tail).unwrap(),
    );
    let weighted = (mh * head.rows() as f64 + mt * tail.rows() as f64) / n as f64;
    assert!((mia - weighted).abs() < 1e-12, "{mia} vs {weighted}");
    for i in 0..5 {
        let one = a
            .mia(&train, &test, &forget_rows.slice(i..i + 1).unwrap())
            .unwrap();
        assert!(one == 0.0 || one == 1.0, "{one}");
    }
    let auc = a.loss_auc(&train, &test).unwrap();
    assert!((0.0..=1.0).contains(&auc));
    // Mann-Whitney: swapping the groups mirrors the AUC
    let swapped = a.loss_auc(&test, &train).unwrap();
    assert!((auc + swapped - 1.0).abs() < 1e-12, "{auc} + {swapped}");
    // members against themselves: no signal at all
    assert_eq!(a.loss_auc(&test, &test).unwrap(), 0.5);

    let (pa, pb) = (a.predict(&test).unwrap(), b.predict(&test).unwrap());
    let diffs: Vec<f64> = pa
        .values()
        .iter()
        .zip(pb.values())
        .map(|(x, y)| (x - y).abs() as f64)
        .collect();
    let d = a.output_distance(&b, &test).unwrap();
    let max = diffs.iter().cloned().fold(0.0, f64::max);
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    assert!(
        (d.max_abs - max).abs() < 1e-6 && (d.mean_abs - mean).abs() < 1e-6,
        "{d:?}"
    );
    assert_eq!(a.output_distance(&a, &test).unwrap().max_abs, 0.0);

    let (ta, tb) = (a.get_params().unwrap(), b.get_params().unwrap());
    let l2 = ta
        .iter()
        .zip(&tb)
        .map(|(x, y)| ((x - y) as f64).powi(2))
        .sum::<f64>()
        .sqrt();
    let maxp = ta
        .iter()
        .zip(&tb)
        .map(|(x, y)| (x - y).abs() as f64)
        .fold(0.0, f64::max);
    let p = a.param_distance(&b).unwrap();
    assert!(
        (p.l2 - l2).abs() < 1e-5 * l2 && (p.max_abs - maxp).abs() < 1e-6,
        "{p:?}"
    );
    let other = Model::create("mlp", "layers=4-9-3").unwrap();
    assert_eq!(
        a.param_distance(&other).unwrap_err().kind(),
        ErrorKind::Invalid
    );
    let empty = train.subset_ids(&[]).unwrap();
    assert_eq!(a.accuracy(&empty).unwrap_err().kind(), ErrorKind::Invalid);
    let mut rng = Rng::new(3);
    let wide: Vec<f32> = (0..10).map(|_| rng.next()).collect();
    let wrong = Dataset::new(&wide, &[0, 1], None).unwrap();
    assert_eq!(a.loss(&wrong).unwrap_err().kind(), ErrorKind::Invalid);
}

/// The scorecard: its figures are the separate metrics', a model against
/// itself has every gap 0, a model not given is NaN.
#[test]
fn scorecard_against_itself_and_the_metrics() {
    let _lib = Library::init().unwrap();
    let (x, labels, ids) = common::clusters(180, 4, 3, 21);
    let train = Dataset::classification(4, &x, &labels, Some(&ids)).unwrap();
    let forget = train.subset_class(1).unwrap();
    let retain = train.subset_class(0).unwrap();
    let (xt, lt, it) = common::clusters(60, 4, 3, 22);
    let test = Dataset::classification(4, &xt, &lt, Some(&it)).unwrap();
    let mut m = Model::create("mlp", "layers=4-6-3 seed=2").unwrap();
    m.train(&train, "epochs=5 batch=16").unwrap();
    let card = m.scorecard(&forget, &retain, &test, None, Some(&m)).unwrap();
    assert_eq!(card.forget_acc, m.accuracy(&forget).unwrap());
    assert_eq!(card.mia, m.mia(&retain, &test, &forget).unwrap());
    assert_eq!(card.avg_gap, 0.0);
    assert!(card.orig_test_acc.is_nan());
}
